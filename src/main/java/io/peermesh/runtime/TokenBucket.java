package io.peermesh.runtime;

/**
 * A token bucket: {@code rate} tokens per second up to {@code burst}. Time is passed in (the
 * node's clock), so tests control it. Not thread safe: one per connection, on its event loop.
 */
public final class TokenBucket {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    public TokenBucket(double ratePerSecond, int burst, long nowNanos) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes up to {@code wanted} tokens; returns how many were granted. */
    public int take(int wanted, long nowNanos) {
        tokens = Math.min(burst, tokens + Math.max(0, nowNanos - lastNanos) * ratePerNano);
        lastNanos = nowNanos;
        int granted = (int) Math.min(wanted, Math.floor(tokens));
        tokens -= granted;
        return granted;
    }
}
