package io.peermesh.node;

import io.peermesh.node.events.HandshakeResult;
import io.peermesh.wire.Message;
import io.peermesh.wire.RejectReason;
import java.util.List;

/**
 * The node's verdict on a hello: accept it (possibly replacing the registered connection of the
 * same peer), park it (a crossing dial that may replace the registered connection once the peer
 * itself drops that one, see {@link CrossingDials}), or refuse it with a reason sent to the peer
 * and a result counted in metrics. A refusal for being full carries some peers' addresses for the
 * refused node to try instead; a node with no peer at all may be accepted even then, by evicting
 * a peer that has others (see {@link Eviction}).
 */
record Admission(Verdict verdict, PeerConnection replaces, PeerConnection evicts, RejectReason reason,
        HandshakeResult result, String detail, List<Message.AddrEntry> peers) {

    /** What becomes of the connection: registered, held as a crossing dial, or refused. */
    enum Verdict { ACCEPT, PARK, REFUSE }

    static Admission accept() {
        return new Admission(Verdict.ACCEPT, null, null, null, HandshakeResult.OK, null, List.of());
    }

    static Admission acceptReplacing(PeerConnection existing) {
        return new Admission(Verdict.ACCEPT, existing, null, null, HandshakeResult.OK, null, List.of());
    }

    /** Accepts although full, closing {@code victim} to make room (for a node with no peer at all). */
    static Admission acceptEvicting(PeerConnection victim) {
        return new Admission(Verdict.ACCEPT, null, victim, null, HandshakeResult.OK, null, List.of());
    }

    /** Neither accepted nor refused yet: held until the peer drops the registered connection, or refused at the deadline. */
    static Admission park() {
        return new Admission(Verdict.PARK, null, null, null, null, null, List.of());
    }

    static Admission refuse(RejectReason reason, HandshakeResult result, String detail) {
        return new Admission(Verdict.REFUSE, null, null, reason, result, detail, List.of());
    }

    static Admission full(String detail, List<Message.AddrEntry> peers) {
        return new Admission(Verdict.REFUSE, null, null, RejectReason.FULL, HandshakeResult.REFUSED, detail, peers);
    }
}
