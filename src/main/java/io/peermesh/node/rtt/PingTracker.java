package io.peermesh.node.rtt;

import io.peermesh.node.view.RttSample;

/**
 * Pings in flight to one peer, and the round trips measured from their pongs.
 *
 * <p>A peer is overdue when its oldest unanswered ping is older than the ping timeout: that is
 * exactly "has not answered within p2p.ping-timeout", whatever the ping interval. A pong answers
 * the ping with the same nonce and every older one; a pong without nonce (the original design)
 * answers the oldest. At most {@value #MAX_IN_FLIGHT} pings are tracked; none is sent beyond that.
 *
 * <p>With follow-ups on, each round's ping is a <em>lead</em>: its pong is answered at once with a
 * <em>follow-up</em> ping, and only the follow-up's round trip is a sample. The lead wakes both
 * processes from idle (scheduler wake-ups, caches and branch predictors gone cold in the seconds
 * between rounds, on a JVM also code not yet compiled); the follow-up crosses the same link with
 * both ends awake, so it measures the link and not how long an idle process takes to get going
 * (issue #16). Both keep the peer alive; the lead's round trip is still returned, for logs.
 *
 * <p>Not thread safe: owned by the connection's event loop.
 */
public final class PingTracker {

    public static final int MAX_IN_FLIGHT = 32;

    private final java.util.random.RandomGenerator random;
    private final String[] nonces = new String[MAX_IN_FLIGHT];
    private final long[] sentAt = new long[MAX_IN_FLIGHT];
    private final boolean[] followUp = new boolean[MAX_IN_FLIGHT];
    private final boolean followUps;
    private boolean lastWasLead;
    private int head;
    private int size;
    private final RttStats stats = new RttStats();
    private final RttHistory history = new RttHistory();
    private long lastPongMillis = -1;
    private long lastPongNanos = Long.MIN_VALUE / 2;

    public PingTracker(java.util.random.RandomGenerator random, boolean followUps) {
        this.random = random;
        this.followUps = followUps;
    }

    /**
     * Registers a ping about to be sent at {@code nowNanos}; returns its nonce, or null when too
     * many are in flight. A follow-up is sent on a lead's pong (see the class comment).
     */
    public String start(long nowNanos, boolean isFollowUp) {
        if (size == MAX_IN_FLIGHT) {
            return null;
        }
        String nonce = Long.toHexString(random.nextLong());
        int slot = (head + size) % MAX_IN_FLIGHT;
        nonces[slot] = nonce;
        sentAt[slot] = nowNanos;
        followUp[slot] = isFollowUp;
        size++;
        return nonce;
    }

    /**
     * Matches a pong; returns the round trip in nanoseconds, or -1 when it answers no ping in flight
     * (late, duplicate or unsolicited). With {@code sample} false (the node's own start is still
     * under way, see ConnectionOwner#rttSampling) the round trip is no sample and a lead gets no
     * follow-up: the peer is alive all the same.
     */
    public long answer(String nonce, long nowNanos, long nowMillis, boolean sample) {
        int matched = -1;
        if (nonce == null) {
            matched = size > 0 ? 0 : -1;
        } else {
            for (int i = 0; i < size; i++) {
                if (nonce.equals(nonces[(head + i) % MAX_IN_FLIGHT])) {
                    matched = i;
                    break;
                }
            }
        }
        if (matched < 0) {
            return -1;
        }
        int slot = (head + matched) % MAX_IN_FLIGHT;
        long rtt = Math.max(0, nowNanos - sentAt[slot]);
        lastWasLead = sample && followUps && !followUp[slot];
        for (int i = 0; i <= matched; i++) {
            nonces[head] = null;
            head = (head + 1) % MAX_IN_FLIGHT;
        }
        size -= matched + 1;
        if (sample && !lastWasLead) {
            stats.add(rtt, nowNanos);
            history.add(nowMillis, rtt);
        }
        lastPongMillis = nowMillis;
        lastPongNanos = nowNanos;
        return rtt;
    }

    /**
     * True when the pong {@link #answer} just matched answered a lead: its round trip is not a
     * sample, and a follow-up ping is due now.
     */
    public boolean answeredLead() {
        return lastWasLead;
    }

    /** True when the oldest ping in flight has waited at least {@code timeoutNanos}. */
    public boolean overdue(long nowNanos, long timeoutNanos) {
        return size > 0 && nowNanos - sentAt[head] >= timeoutNanos;
    }

    /** When the oldest ping in flight becomes overdue, or {@link Long#MAX_VALUE} with none in flight. */
    public long overdueAtNanos(long timeoutNanos) {
        return size == 0 ? Long.MAX_VALUE : sentAt[head] + timeoutNanos;
    }

    public int inFlight() {
        return size;
    }

    public long lastRttNanos() {
        return stats.lastNanos();
    }

    public double smoothedRttNanos() {
        return stats.smoothedNanos();
    }

    /** The smallest round trip of the last 5 minutes, or -1 (see {@link RttStats}). */
    public long minRttNanos(long nowNanos) {
        return stats.minNanos(nowNanos);
    }

    /** RFC 3550 jitter of consecutive round trips, or -1 before the second. */
    public double jitterNanos() {
        return stats.jitterNanos();
    }

    /** The last round trips, oldest first (see {@link RttHistory}). */
    public java.util.List<RttSample> history() {
        return history.samples();
    }

    public long lastPongNanos() {
        return lastPongNanos;
    }

    public long lastPongMillis() {
        return lastPongMillis;
    }
}
