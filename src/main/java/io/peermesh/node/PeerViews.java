package io.peermesh.node;

import io.peermesh.node.rtt.PingTracker;
import io.peermesh.node.view.PeerView;
import java.time.Instant;

/** Builds {@link PeerView}s from live connections (on the node's event loop). */
final class PeerViews {

    private PeerViews() {
    }

    static PeerView of(PeerConnection c, long nowNanos) {
        PingTracker p = c.pings().tracker();
        return new PeerView(
                c.nodeId(),
                c.remoteAddress(),
                c.peerHello().listen(),
                c.direction().label(),
                Instant.ofEpochMilli(c.establishedAtMillis()).toString(),
                p.lastPongMillis() < 0 ? null : Instant.ofEpochMilli(p.lastPongMillis()).toString(),
                p.lastRttNanos() < 0 ? null : p.lastRttNanos() / 1e6,
                p.smoothedRttNanos() < 0 ? null : p.smoothedRttNanos() / 1e6,
                p.minRttNanos(nowNanos) < 0 ? null : p.minRttNanos(nowNanos) / 1e6,
                p.jitterNanos() < 0 ? null : p.jitterNanos() / 1e6,
                p.inFlight(),
                c.peerHello().version(),
                c.peerHello().network());
    }
}
