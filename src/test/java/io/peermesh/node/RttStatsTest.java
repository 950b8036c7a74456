package io.peermesh.node;

import io.peermesh.node.rtt.RttStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RttStatsTest {

    private static final long S = 1_000_000_000L;

    @Test
    void minimumCoversTheLastFiveMinutesAndThenForgets() {
        RttStats r = new RttStats();
        assertEquals(-1, r.minNanos(0));
        r.add(300, 10 * S);
        r.add(900, 70 * S);
        r.add(500, 200 * S);
        assertEquals(300, r.minNanos(200 * S));
        assertEquals(300, r.minNanos(299 * S)); // 10 s lies in the bucket [0, 30 s): kept until 300 s
        assertEquals(500, r.minNanos(301 * S));
        assertEquals(500, r.minNanos(479 * S));
        assertEquals(-1, r.minNanos(481 * S));
    }

    @Test
    void aBucketReusedAfterTheWindowStartsAfresh() {
        RttStats r = new RttStats();
        r.add(100, 5 * S);
        r.add(700, 305 * S); // same slot of the ring, ten buckets later
        assertEquals(700, r.minNanos(305 * S));
    }

    @Test
    void jitterFollowsRfc3550AndSmoothingRfc6298() {
        RttStats r = new RttStats();
        r.add(1000, 0);
        assertEquals(-1, r.jitterNanos());
        assertEquals(1000, r.smoothedNanos());
        r.add(2600, S);
        assertEquals(1600, r.jitterNanos()); // the first difference
        assertEquals(1000 + (2600 - 1000) / 8.0, r.smoothedNanos());
        r.add(2600, 2 * S);
        assertEquals(1600 + (0 - 1600) / 16.0, r.jitterNanos());
        assertEquals(2600, r.lastNanos());
    }
}
