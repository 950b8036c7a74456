package io.peermesh.node;

import io.peermesh.wire.Message;
import io.peermesh.wire.RejectReason;
import java.util.List;

/**
 * The node's verdict on a hello: accept it (possibly replacing the registered connection of the
 * same peer), or refuse it with a reason sent to the peer and a result counted in metrics. A
 * refusal for being full carries some peers' addresses for the refused node to try instead.
 */
record Admission(boolean accepted, PeerConnection replaces, RejectReason reason, HandshakeResult result, String detail,
        List<Message.AddrEntry> peers) {

    static Admission accept() {
        return new Admission(true, null, null, HandshakeResult.OK, null, List.of());
    }

    static Admission acceptReplacing(PeerConnection existing) {
        return new Admission(true, existing, null, HandshakeResult.OK, null, List.of());
    }

    static Admission refuse(RejectReason reason, HandshakeResult result, String detail) {
        return new Admission(false, null, reason, result, detail, List.of());
    }

    static Admission full(String detail, List<Message.AddrEntry> peers) {
        return new Admission(false, null, RejectReason.FULL, HandshakeResult.REFUSED, detail, peers);
    }
}
