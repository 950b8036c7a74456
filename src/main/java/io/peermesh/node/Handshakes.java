package io.peermesh.node;

import io.peermesh.node.dial.DialTarget;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Message;
import io.peermesh.wire.RejectReason;
import java.util.LinkedHashSet;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides on every hello and carries out the decision: admission (self, network, probation,
 * full, crossing dials), establishment (registering, replacing, evicting, address verification)
 * and the promotion of a parked crossing dial; and a peer's refusal of our hello.
 *
 * <p>On the node's loop.
 */
final class Handshakes {

    private static final Logger LOG = Logger.getLogger(MeshNode.class.getName()); // one logger name for the node

    private final NodeParts n;
    private final CrossingDials crossing;
    private final Eviction eviction;
    private final PeerLinks links;
    /** Addresses a newcomer claimed that a connected node listens at: the next dial there only verifies. */
    private final LinkedHashSet<HostPort> verifying = new LinkedHashSet<>();

    Handshakes(NodeParts parts, PeerLinks links) {
        this.n = parts;
        this.links = links;
        this.crossing = new CrossingDials(n.nodeId, n.config.handshakeTimeout(), n.loop, n.open);
        this.eviction = new Eviction(n.config.pingTimeout()); // at most one per ping timeout
    }

    /** Whether the next dial to {@code address} only verifies who listens there (and forget it). */
    boolean takeVerification(HostPort address) {
        return verifying.remove(address);
    }

    Admission admit(PeerConnection c, Message.Hello hello) {
        String peer = hello.nodeId();
        if (n.stopping) {
            return Admission.refuse(RejectReason.SHUTTING_DOWN, HandshakeResult.REFUSED, null);
        }
        if (peer.equals(n.nodeId)) {
            if (c.target() != null) {
                n.dialer.markSelf(c.target(), "a node there answered with this node's own id");
            }
            return Admission.refuse(RejectReason.SELF, HandshakeResult.SELF, null);
        }
        if (hello.network() != null && !hello.network().equals(n.config.network())) {
            return Admission.refuse(RejectReason.NETWORK_MISMATCH, HandshakeResult.REFUSED,
                    "this node is in network '" + n.config.network() + "', the peer in '" + hello.network() + "'");
        }
        if (c.target() != null) {
            n.dialer.identified(c.target(), peer);
        }
        Admission onProbation = n.gate.probation(c, peer);
        if (onProbation != null) {
            return onProbation;
        }
        PeerConnection existing = n.table.get(peer);
        if (existing == null) {
            if (n.table.size() >= n.config.maxPeers()) {
                // An isolated node would stay isolated if every node it can find is full: let it in
                // by dropping a peer that has others, within the bounds Eviction sets for a liar.
                PeerConnection victim = eviction.victimFor(c, hello.peerCount(), n.table.connections(), n.open,
                        n.loop.nanoTime());
                if (victim != null) {
                    eviction.evicted(n.loop.nanoTime());
                    return Admission.acceptEvicting(victim);
                }
                n.exchange.refused(hello);
                return Admission.full("at p2p.max-peers " + n.config.maxPeers(), n.exchange.sample(16));
            }
            return Admission.accept();
        }
        if (c.verification() && c.target() != null) {
            // A verification dial answered by a connected node: that is who listens there. It
            // retires a stale identity claiming the address, but never displaces a connection.
            retireStaleAt(c.target().address, peer);
        }
        return crossing.admit(c, peer, existing);
    }

    /** A parked crossing dial reached its deadline without the peer dropping the registered connection. */
    void parkingExpired(PeerConnection c) {
        n.observer.handshake(HandshakeResult.DUPLICATE);
        n.connectionLog.log(Level.INFO, HandshakeResult.DUPLICATE, () -> "refusing " + c.describe()
                + ": a second connection claiming a connected peer, and the peer never dropped the first");
        c.refuse(Admission.refuse(RejectReason.DUPLICATE, HandshakeResult.DUPLICATE, "already connected to " + c.nodeId()));
    }

    /**
     * We dialled {@code address} and {@code answering} answered: if another connected node claimed
     * that address, it restarted there (or its IP was reused). Retire the old identity now instead
     * of waiting for its pings to time out.
     */
    void retireStaleAt(HostPort address, String answering) {
        String previous = n.table.nodeIdListeningAt(address);
        if (previous == null || previous.equals(answering)) {
            return;
        }
        PeerConnection stale = n.table.get(previous);
        LOG.info(() -> "node " + answering + " now listens at " + address + "; retiring " + previous);
        if (stale != null) {
            stale.close(CloseCause.of(CloseCause.Kind.REPLACED, "node " + answering + " now listens at the same address"));
        }
    }

    void established(PeerConnection c, Admission admission) {
        n.gate.validHandshake(c);
        HostPort listen = PeerTable.listenOf(c);
        String previous = listen == null ? null : n.table.nodeIdListeningAt(listen);
        // Only what answered when *we* dialled the address is evidence: an inbound hello can claim any listen.
        if (previous != null && !previous.equals(c.nodeId()) && c.direction() == Direction.INBOUND) {
            // A newcomer says it listens where a connected node listens: a restarted pod, or a
            // liar. Dial the address to see who answers there; that decides.
            verifying.remove(listen);
            verifying.add(listen);
            if (verifying.size() > n.config.maxPeers()) {
                verifying.remove(verifying.iterator().next());
            }
            n.dialer.verify(listen);
        }
        if (c.direction() == Direction.OUTBOUND && listen != null
                && listen.equals(c.target() == null ? null : c.target().address)) {
            retireStaleAt(listen, c.nodeId());
        }
        n.table.register(c);
        n.observer.handshake(HandshakeResult.OK);
        if (admission.replaces() != null) {
            n.observer.handshake(HandshakeResult.DUPLICATE);
            admission.replaces().close(CloseCause.of(CloseCause.Kind.DUPLICATE));
        }
        if (admission.evicts() != null) {
            evict(admission.evicts(), c);
        }
        LOG.info(() -> "peer " + c.nodeId() + " connected (" + c.describe() + ", listens on " + c.peerHello().listen() + ")");
        links.joined(c, listen);
        n.exchange.established(c, listen);
        links.measure(c);
    }

    private void evict(PeerConnection victim, PeerConnection newcomer) {
        if (victim.penalised()) {
            LOG.info(() -> "at p2p.max-peers: evicting peer " + victim.nodeId() + ", which came from an address"
                    + " with protocol errors on record, to let in node " + newcomer.nodeId());
            victim.close(CloseCause.of(CloseCause.Kind.EVICTED, "came from an address with protocol errors on record"));
        } else {
            newcomer.standing().markAdmittedByEviction();
            LOG.info(() -> "at p2p.max-peers: evicting peer " + victim.nodeId() + " to let in node " + newcomer.nodeId()
                    + ", which has no peer");
            victim.close(CloseCause.of(CloseCause.Kind.EVICTED, "to make room for an isolated node"));
        }
        // Out of the table now, not when the close completes: the slot is already given away.
        if (n.table.removeIfRegistered(victim)) {
            links.gone(victim);
        }
    }

    /** The registered connection {@code c} closed: the parked crossing dial that takes its place, or null. */
    PeerConnection successorOf(PeerConnection c) {
        return crossing.successorOf(c);
    }

    /**
     * The peer dropped its registered connection {@code gone} as the loser of a crossing dial: the
     * parked winner takes its place in one step, so the peer never leaves the table (no peer lost,
     * no re-dial, no announcement).
     */
    void promote(PeerConnection gone, PeerConnection successor) {
        n.gate.validHandshake(successor);
        successor.promote();
        n.table.register(successor);
        n.observer.handshake(HandshakeResult.OK);
        LOG.info(() -> "peer " + successor.nodeId() + " dropped " + gone.describe() + " (" + gone.closeReason()
                + "); keeping " + successor.describe() + ", the connection dialled by the smaller node id");
        links.joined(successor, PeerTable.listenOf(successor));
        links.measure(successor);
        successor.resumeAfterPromotion();
    }

    void refusedByPeer(PeerConnection c, Message.Reject reject) {
        RejectReason reason = RejectReason.fromWire(reject.reason());
        DialTarget t = c.target();
        if (reason == RejectReason.SELF) {
            n.dialer.markSelf(t, "it leads back to this node (hello with its own id)");
            return;
        }
        n.observer.handshake(reason == RejectReason.DUPLICATE ? HandshakeResult.DUPLICATE : HandshakeResult.REFUSED);
        if (reject.nodeId() != null) {
            n.dialer.identified(t, reject.nodeId());
            if (reason == RejectReason.DUPLICATE) {
                retireStaleAt(t.address, reject.nodeId()); // whoever refuses us there is who listens there
            }
        }
        if (reason == RejectReason.FULL) {
            n.exchange.learn(reject.peers().subList(0, Math.min(reject.peers().size(), 32)));
            return;
        }
        if (reason != RejectReason.DUPLICATE) {
            LOG.warning(() -> "node at " + t.address + " refused the handshake: " + reject.reason()
                    + (reject.detail() == null ? "" : " (" + reject.detail() + ")"));
        }
    }
}
