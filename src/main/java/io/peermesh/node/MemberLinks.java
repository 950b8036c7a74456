package io.peermesh.node;

import io.peermesh.members.Membership;
import io.peermesh.runtime.Clock;

/** What the peer table knows of a member's link, for its member record. */
final class MemberLinks implements Membership.Links {

    private final PeerTable table;
    private final Clock clock;

    MemberLinks(PeerTable table, Clock clock) {
        this.table = table;
        this.clock = clock;
    }

    @Override
    public Double rttMillis(String nodeId) {
        PeerConnection c = table.get(nodeId);
        double rtt = c == null ? -1 : c.smoothedRttNanos();
        // In microseconds' precision: the digits beyond are the clock's noise, not the link's.
        return rtt < 0 ? null : Math.round(rtt / 1e3) / 1e3;
    }

    @Override
    public long lastHeardMillis(String nodeId) {
        PeerConnection c = table.get(nodeId);
        return c == null ? -1 : lastHeardMillis(c);
    }

    /** The last pong (or the handshake, before one) of {@code c}, on the wall clock; also once it left the table. */
    long lastHeardMillis(PeerConnection c) {
        long agoNanos = Math.max(0, clock.nanoTime() - c.pings().lastHeardNanos());
        return clock.currentTimeMillis() - agoNanos / 1_000_000;
    }
}
