package io.peermesh.node;

import io.peermesh.wire.RejectReason;

/**
 * The node's verdict on a hello: accept it (possibly replacing the registered connection of the
 * same peer), or refuse it with a reason sent to the peer and a result counted in metrics.
 */
record Admission(boolean accepted, PeerConnection replaces, RejectReason reason, HandshakeResult result, String detail) {

    static Admission accept() {
        return new Admission(true, null, null, HandshakeResult.OK, null);
    }

    static Admission acceptReplacing(PeerConnection existing) {
        return new Admission(true, existing, null, HandshakeResult.OK, null);
    }

    static Admission refuse(RejectReason reason, HandshakeResult result, String detail) {
        return new Admission(false, null, reason, result, detail);
    }
}
