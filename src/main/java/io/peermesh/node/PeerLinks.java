package io.peermesh.node;

import io.peermesh.wire.HostPort;
import io.peermesh.wire.Message;
import io.peermesh.wire.Metadata;
import io.peermesh.wire.MetadataDrop;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What follows when a peer joins or leaves the table: its member record, its dial targets, its
 * first ping, readiness, and after a loss the search for others.
 *
 * <p>On the node's loop.
 */
final class PeerLinks {

    private static final Logger LOG = Logger.getLogger(MeshNode.class.getName()); // one logger name for the node

    private final NodeParts n;
    private final Liveness liveness;
    private final ReadinessTracker readiness;

    PeerLinks(NodeParts parts, Liveness liveness, ReadinessTracker readiness) {
        this.n = parts;
        this.liveness = liveness;
        this.readiness = readiness;
    }

    /** {@code c} was registered: the member is alive, and every target leading to it is connected. */
    void joined(PeerConnection c, HostPort listen) {
        Message.Hello h = c.peerHello();
        metadataDropped(c, h.metadataDropped());
        n.membership.linked(c.nodeId(), h.listen(), h.incarnation(), h.metadata());
        n.dialer.peerConnected(c.nodeId(), listen, c.target());
    }

    /** After {@link #joined}: the first ping (the RTT is known at once), and readiness. */
    void measure(PeerConnection c) {
        liveness.joined(c);
        readiness.refresh();
    }

    /** A registered peer left the table: re-dial or forget it, look again for others. */
    void gone(PeerConnection c) {
        LOG.info(() -> "peer " + c.nodeId() + " disconnected: " + c.closeReason());
        n.membership.unlinked(c.nodeId(), c.peerSaidBye(), n.memberLinks.lastHeardMillis(c));
        n.broadcasts.peerGone(c.nodeId());
        n.dialer.peerLost(c.nodeId(), c.peerSaidBye());
        if (n.table.size() < n.config.minPeers()) {
            n.dialer.reviveDepartedBootstrap();
        }
        if (n.dns != null && !n.stopping) {
            n.dns.lookupSoon(); // the peer may have moved (new pod IP)
        }
        n.dialer.fillSlots();
    }

    /** A peer's metadata was dropped on arrival (too big, malformed): counted and logged, the link stays. */
    void metadataDropped(PeerConnection c, MetadataDrop drop) {
        if (drop != null) {
            n.observer.metadataDropped(drop);
            n.connectionLog.log(Level.WARNING, drop, () -> "dropped the metadata of peer " + c.nodeId() + ": "
                    + (drop == MetadataDrop.OVERSIZE ? "over " + Metadata.MAX_BYTES + " bytes" : "not an object of strings with valid keys"));
        }
    }
}
