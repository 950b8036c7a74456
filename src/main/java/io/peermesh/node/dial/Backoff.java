package io.peermesh.node.dial;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Re-dial delays: {@code min * 2^failures}, capped at {@code max}, with "equal jitter" (a uniform
 * pick in the upper half). The jitter keeps a hundred nodes that lost the same peer from re-dialling
 * it in lockstep; keeping the lower half out keeps the doubling meaningful.
 */
public final class Backoff {

    private final long minMillis;
    private final long maxMillis;
    private final DoubleSupplier random;

    public Backoff(Duration min, Duration max, DoubleSupplier random) {
        this.minMillis = Math.max(1, min.toMillis());
        this.maxMillis = Math.max(minMillis, max.toMillis());
        this.random = random;
    }

    /** Delay before the next attempt after {@code failures} consecutive failures (0 for the first retry). */
    public long delayMillis(int failures) {
        long ceiling = minMillis;
        for (int i = 0; i < failures && ceiling < maxMillis; i++) {
            ceiling = ceiling > maxMillis / 2 ? maxMillis : ceiling * 2;
        }
        ceiling = Math.min(ceiling, maxMillis);
        long half = ceiling / 2;
        return Math.max(1, half + (long) (random.getAsDouble() * (ceiling - half)));
    }
}
