package io.peermesh.node;

import io.peermesh.node.events.HandshakeResult;
import io.peermesh.wire.Message;
import io.peermesh.wire.ProtocolError;
import io.peermesh.wire.ProtocolViolation;

/**
 * The hello exchange of one connection, its HANDSHAKING state: hands the peer's hello to the
 * owner and carries out the verdict (accept, park, refuse), takes a reject of our own hello, and
 * ends the state at the handshake deadline. Anything else before a hello breaks the protocol.
 *
 * <p>On the node's loop, owned by one {@link PeerConnection}.
 */
final class ConnectionHandshake {

    private final PeerConnection c;
    private final ConnectionOwner owner;

    ConnectionHandshake(PeerConnection connection, ConnectionOwner owner) {
        this.c = connection;
        this.owner = owner;
    }

    /** A message while HANDSHAKING. */
    void onMessage(Message message) {
        if (message instanceof Message.Hello hello) {
            Admission admission = owner.admit(c, hello);
            switch (admission.verdict()) {
                case PARK -> c.park(hello);
                case REFUSE -> {
                    owner.observer().handshake(admission.result());
                    refuse(admission);
                }
                case ACCEPT -> {
                    c.accept(hello);
                    owner.established(c, admission);
                }
            }
        } else if (message instanceof Message.Reject reject && c.direction() == Direction.OUTBOUND) {
            owner.refusedByPeer(c, reject);
            c.close(CloseCause.of(CloseCause.Kind.REFUSED_BY_PEER,
                    reject.reason() + (reject.detail() == null ? "" : " (" + reject.detail() + ")")));
        } else {
            owner.observer().handshake(HandshakeResult.REFUSED);
            c.violation(new ProtocolViolation(ProtocolError.MESSAGE_BEFORE_HANDSHAKE,
                    message.type().label() + " before hello"));
        }
    }

    /** Sends the refusal and closes. */
    void refuse(Admission admission) {
        c.send(new Message.Reject(admission.reason().label(), admission.detail(), owner.ownHello().nodeId(),
                admission.peers()));
        c.close(CloseCause.of(CloseCause.Kind.HANDSHAKE_REFUSED, admission.reason().label()
                + (admission.detail() == null ? "" : " (" + admission.detail() + ")")));
    }

    /** The handshake deadline: a parked crossing dial is the owner's to refuse; a silent one times out. */
    void deadline() {
        if (c.state() == ConnectionState.PARKED) {
            owner.parkingExpired(c);
        } else if (c.state() == ConnectionState.HANDSHAKING) {
            owner.handshakeTimedOut(c);
            c.close(CloseCause.of(CloseCause.Kind.HANDSHAKE_TIMEOUT));
        }
    }
}
