package io.peermesh.node;

import java.util.logging.Logger;

/**
 * Keeps peers measured and drops the silent ones: ping rounds (from the node's own timer or an
 * external scheduler, optionally at this node's phase), one expiry timer for the earliest
 * unanswered ping, and the hold on RTT samples while the node's own start is under way.
 *
 * <p>On the node's loop; {@link #holdRttSamples} is called once before the start.
 */
final class Liveness {

    private static final Logger LOG = Logger.getLogger(MeshNode.class.getName()); // one logger name for the node

    private final NodeParts n;
    private long pingTimer = -1;
    private long phasedRoundTimer = -1; // a round waiting for this node's phase (roundAtPhase)
    private long pingPhaseMillis = -1;
    /** Fires when the earliest unanswered ping times out (see {@link #armExpiry}). */
    private long expiryTimer = -1;
    private long expiryAtNanos;
    private volatile boolean rttSamplesHeld; // this node's start is under way (set before the loop runs)

    Liveness(NodeParts parts) {
        this.n = parts;
    }

    /** Starts the node's own ping timer when it has one ({@code internalPingTimer}). */
    void start() {
        if (n.config.internalPingTimer()) {
            pingTimer = n.loop.periodic(n.config.pingInterval().toMillis(), this::round);
        }
    }

    void stop() {
        pingTimer = cancel(pingTimer);
        phasedRoundTimer = cancel(phasedRoundTimer);
        expiryTimer = cancel(expiryTimer);
    }

    private long cancel(long timer) {
        if (timer >= 0) {
            n.loop.cancel(timer);
        }
        return -1;
    }

    /**
     * A round at this node's phase: a fixed delay after the call, drawn once per run in
     * [0, ping-interval). For an external scheduler that fires on the wall clock's second (Quarkus'
     * does: every node of a mesh, with NTP, would ping all its peers at the same instant): each ping
     * would then arrive while its peer is busy sending its own round, and the round trip would
     * measure that, not the link (issue #16). Each node keeps its pings one interval apart.
     */
    void roundAtPhase() {
        if (n.stopping || phasedRoundTimer >= 0) {
            return; // stopped, or the previous tick's round has not run yet: one round per interval
        }
        if (pingPhaseMillis < 0) {
            pingPhaseMillis = 1 + n.loop.random().nextLong(Math.max(1, n.config.pingInterval().toMillis() - 1));
        }
        phasedRoundTimer = n.loop.schedule(pingPhaseMillis, () -> {
            phasedRoundTimer = -1;
            round();
        });
    }

    /** Pings every peer and drops those overdue. */
    void round() {
        if (n.stopping) {
            return;
        }
        long now = n.loop.nanoTime();
        long timeout = n.config.pingTimeout().toNanos();
        for (PeerConnection c : n.table.connections()) {
            if (!c.pings().pingOrExpire(now, timeout)) {
                timedOut(c);
            }
        }
        armExpiry();
    }

    /** A peer joined the table: a first ping now, so its RTT is known at once and it counts as alive. */
    void joined(PeerConnection c) {
        c.pings().pingOrExpire(n.loop.nanoTime(), n.config.pingTimeout().toNanos());
        armExpiry();
    }

    void holdRttSamples() {
        rttSamplesHeld = true;
    }

    void releaseRttSamples() {
        rttSamplesHeld = false;
    }

    boolean sampling() {
        return !rttSamplesHeld;
    }

    private void timedOut(PeerConnection c) {
        n.observer.peerTimedOut();
        LOG.warning(() -> "peer " + c.nodeId() + " timed out: no pong within p2p.ping-timeout " + n.config.pingTimeout());
        c.close(CloseCause.of(CloseCause.Kind.PING_TIMEOUT));
    }

    /**
     * Arms one timer for the moment the earliest unanswered ping times out. Checking only at ping
     * rounds would drop a silent peer up to a whole interval late (a ping falls overdue just after a
     * round looked): the benchmark saw removals at timeout + 2 intervals. With this timer a silent
     * peer goes at its oldest unanswered ping + ping-timeout, i.e. at most ping-timeout + one
     * interval after its last answer. One timer per node, re-armed each round, not one per ping.
     */
    private void armExpiry() {
        long timeout = n.config.pingTimeout().toNanos();
        long earliest = Long.MAX_VALUE;
        for (PeerConnection c : n.table.connections()) {
            earliest = Math.min(earliest, c.pings().overdueAtNanos(timeout));
        }
        if (expiryTimer >= 0) {
            if (earliest == expiryAtNanos) {
                return;
            }
            expiryTimer = cancel(expiryTimer);
        }
        if (earliest == Long.MAX_VALUE || n.stopping) {
            return;
        }
        expiryAtNanos = earliest;
        long delayMillis = Math.max(1, (earliest - n.loop.nanoTime() + 999_999) / 1_000_000);
        expiryTimer = n.loop.schedule(delayMillis, () -> {
            expiryTimer = -1;
            expireOverdue();
        });
    }

    private void expireOverdue() {
        if (n.stopping) {
            return;
        }
        long now = n.loop.nanoTime();
        long timeout = n.config.pingTimeout().toNanos();
        for (PeerConnection c : n.table.connections()) {
            if (c.pings().overdue(now, timeout)) {
                timedOut(c);
            }
        }
        armExpiry();
    }

    boolean pingTimerActive() {
        return pingTimer >= 0 || phasedRoundTimer >= 0;
    }

    boolean expiryTimerActive() {
        return expiryTimer >= 0;
    }
}
