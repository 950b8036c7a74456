package io.peermesh.node;

import io.peermesh.node.events.HandshakeResult;
import java.util.Collection;

/**
 * A hello from a peer that already has a registered connection: one connection per pair.
 *
 * <p>When two nodes dial each other at once, both keep the connection dialled by the smaller
 * node id, so both close the same one. But node ids are public (every addr, reject and /peers
 * shows them), and a hello's id is only a claim: if the claim alone could displace the registered
 * connection, anyone could cut a node off from a peer by saying hello with that peer's id just
 * after it connected. So a claim never displaces an established connection by itself; it needs
 * an authentic event:
 * <ul>
 *   <li>Only within the crossing window (the registered connection is younger than the handshake
 *       timeout) and only when the tie-break prefers the new connection; anything else is refused
 *       {@code duplicate}.</li>
 *   <li>An outbound connection to the very address the registered (inbound) peer says it listens
 *       at, answered with that peer's id, replaces it at once: dialling the address is the evidence
 *       (an inbound connection proves no address). This is the half of a crossing that resolves it.</li>
 *   <li>Any other preferred newcomer - an inbound one while we hold an outbound connection, or an
 *       outbound one to another address - is <em>parked</em>: answered (an inbound one with our
 *       hello, so that a real peer can apply the tie-break on its side) but not registered, its
 *       input held. The real peer, applying the same tie-break, drops the registered connection on
 *       its side; when that connection closes that way (the peer closed it, or refused it as a
 *       duplicate), the parked one takes its place at once, without the peer ever leaving the table.
 *       An impostor cannot make the real peer drop a connection, so its parked connection is
 *       refused {@code duplicate} at its handshake deadline. At most one connection per node id is
 *       parked; a second is refused at once.</li>
 *   <li>A verification dial (to an address a newcomer claimed, to see who answers there) never
 *       displaces anything: it only confirms or refutes who listens there.</li>
 * </ul>
 * Every interleaving of two crossing dials ends with one connection on both sides: the one
 * dialled by the smaller id, or, when an address does not match or an impostor holds the parking
 * slot, the one both already registered.
 *
 * <p>The parking slot is the connection's own state ({@link ConnectionState#PARKED}); this class
 * keeps no copy of it and finds the parked connection of a node id among the open ones.
 *
 * <p>Threading: on the node's event loop.
 */
final class CrossingDials {

    private final String selfId;
    private final long windowNanos;
    private final io.peermesh.runtime.Clock clock;
    private final Collection<PeerConnection> open;

    /** @param open the node's open connections (handshaking, parked or established) */
    CrossingDials(String selfId, java.time.Duration window, io.peermesh.runtime.Clock clock,
            Collection<PeerConnection> open) {
        this.selfId = selfId;
        this.windowNanos = window.toNanos();
        this.clock = clock;
        this.open = open;
    }

    /** What to do with {@code c}, whose hello claims {@code peer}, registered on {@code existing}. */
    Admission admit(PeerConnection c, String peer, PeerConnection existing) {
        String preferredDialer = selfId.compareTo(peer) < 0 ? selfId : peer;
        boolean young = clock.nanoTime() - existing.establishedAtNanos() < windowNanos;
        boolean newcomerPreferred = dialerOf(c, peer).equals(preferredDialer) && !dialerOf(existing, peer).equals(preferredDialer);
        if (!young || !newcomerPreferred || c.verification()) {
            return duplicate(peer);
        }
        if (c.direction() == Direction.OUTBOUND && existing.direction() == Direction.INBOUND
                && c.target() != null && c.target().address.equals(PeerTable.listenOf(existing))) {
            return Admission.acceptReplacing(existing);
        }
        if (parkedFor(peer) != null) {
            return duplicate(peer);
        }
        return Admission.park(); // the connection moves to PARKED: that is the slot
    }

    /**
     * The registered connection {@code gone} is closing: the parked connection of the same peer
     * that takes its place, or null. Only when the peer dropped it itself (closed it or refused it
     * as a duplicate, not a bye): that is the real peer's half of the tie-break.
     */
    PeerConnection successorOf(PeerConnection gone) {
        return gone.droppedByPeer() ? parkedFor(gone.nodeId()) : null;
    }

    /** The connection holding the parking slot of {@code peer}, or null. */
    PeerConnection parkedFor(String peer) {
        for (PeerConnection c : open) {
            if (c.state() == ConnectionState.PARKED && peer.equals(c.nodeId())) {
                return c;
            }
        }
        return null;
    }

    private static Admission duplicate(String peer) {
        return Admission.refuse(io.peermesh.wire.RejectReason.DUPLICATE, HandshakeResult.DUPLICATE,
                "already connected to " + peer);
    }

    private String dialerOf(PeerConnection c, String peer) {
        return c.direction() == Direction.OUTBOUND ? selfId : peer;
    }
}
