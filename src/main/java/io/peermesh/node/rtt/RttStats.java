package io.peermesh.node.rtt;

/**
 * What the round trips to one peer add up to besides the last one: the smoothed RTT (TCP's SRTT,
 * RFC 6298, alpha = 1/8), the minimum over the last {@value #WINDOW_BUCKETS} x 30 s (5 minutes; as
 * Bitcoin Core keeps the minimum ping: the one figure a busy JVM, a GC pause or a cold path cannot
 * inflate, so the closest to the link itself) and the jitter (RFC 3550 section 6.4.1's
 * interarrival jitter, applied to consecutive round trips: J += (|D| - J) / 16).
 *
 * <p>The minimum keeps one minimum per 30-second bucket in a ring, so it forgets a sample after
 * 5 to 5.5 minutes and costs a few longs per peer, whatever the ping interval. Times are the loop's
 * nanoseconds (virtual in the simulator).
 *
 * <p>Not thread safe: owned by the connection's loop.
 */
public final class RttStats {

    static final long BUCKET_NANOS = 30_000_000_000L;
    static final int WINDOW_BUCKETS = 10;
    // Weight of a new sample in the smoothed RTT, as TCP's SRTT (RFC 6298: alpha = 1/8).
    private static final double SMOOTHING = 0.125;
    // RFC 3550: the jitter estimate moves 1/16 of the way to each new difference.
    private static final double JITTER_GAIN = 1.0 / 16;

    private final long[] bucketMin = new long[WINDOW_BUCKETS];
    private final long[] bucketIndex = new long[WINDOW_BUCKETS];
    private long last = -1;
    private double smoothed = -1;
    private double jitter = -1;

    public RttStats() {
        java.util.Arrays.fill(bucketIndex, Long.MIN_VALUE);
    }

    public void add(long rttNanos, long nowNanos) {
        long bucket = Math.floorDiv(nowNanos, BUCKET_NANOS);
        int slot = (int) Math.floorMod(bucket, WINDOW_BUCKETS);
        if (bucketIndex[slot] != bucket) {
            bucketIndex[slot] = bucket;
            bucketMin[slot] = rttNanos;
        } else if (rttNanos < bucketMin[slot]) {
            bucketMin[slot] = rttNanos;
        }
        if (last >= 0) {
            double d = Math.abs(rttNanos - last);
            jitter = jitter < 0 ? d : jitter + JITTER_GAIN * (d - jitter);
        }
        smoothed = smoothed < 0 ? rttNanos : smoothed + SMOOTHING * (rttNanos - smoothed);
        last = rttNanos;
    }

    public long lastNanos() {
        return last;
    }

    public double smoothedNanos() {
        return smoothed;
    }

    /** The smallest round trip of the last 5 minutes (to 5.5), or -1 with none in that window. */
    public long minNanos(long nowNanos) {
        long current = Math.floorDiv(nowNanos, BUCKET_NANOS);
        long min = Long.MAX_VALUE;
        for (int i = 0; i < WINDOW_BUCKETS; i++) {
            if (bucketIndex[i] != Long.MIN_VALUE && current - bucketIndex[i] < WINDOW_BUCKETS) {
                min = Math.min(min, bucketMin[i]);
            }
        }
        return min == Long.MAX_VALUE ? -1 : min;
    }

    /** The jitter estimate, or -1 before the second sample. */
    public double jitterNanos() {
        return jitter;
    }
}
