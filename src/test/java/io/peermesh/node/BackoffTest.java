package io.peermesh.node;

import io.peermesh.node.dial.Backoff;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    private static final double LOWEST = 0.0;
    private static final double HIGHEST = 0.9999999999999999; // Math.nextDown(1.0): the largest nextDouble()

    private static Backoff backoff(long minMillis, long maxMillis, double random) {
        return new Backoff(Duration.ofMillis(minMillis), Duration.ofMillis(maxMillis), () -> random);
    }

    /** The ceiling the delay after {@code failures} failures is drawn under: min * 2^failures, capped at max. */
    private static long ceiling(long min, long max, int failures) {
        long c = min;
        for (int i = 0; i < failures && c < max; i++) {
            c *= 2;
        }
        return Math.min(c, max);
    }

    @ParameterizedTest
    @ValueSource(doubles = {LOWEST, 0.5, HIGHEST})
    void delayLiesInTheUpperHalfBelowTheCeiling(double random) {
        Backoff b = backoff(1000, 30_000, random);
        for (int failures = 0; failures < 12; failures++) {
            long ceiling = ceiling(1000, 30_000, failures);
            long delay = b.delayMillis(failures);
            assertTrue(delay >= ceiling / 2 && delay <= ceiling,
                    "failures=" + failures + " delay=" + delay + " ceiling=" + ceiling);
        }
    }

    @Test
    void lowestRandomGivesHalfTheCeilingDoublingFromMin() {
        Backoff b = backoff(1000, 30_000, LOWEST);
        assertEquals(500, b.delayMillis(0));
        assertEquals(1000, b.delayMillis(1));
        assertEquals(2000, b.delayMillis(2));
        assertEquals(4000, b.delayMillis(3));
        assertEquals(8000, b.delayMillis(4));
        assertEquals(15_000, b.delayMillis(5)); // ceiling 32s capped at 30s
        assertEquals(15_000, b.delayMillis(6));
    }

    @Test
    void highestRandomGivesJustUnderTheCeilingDoublingFromMin() {
        assertEquals(Math.nextDown(1.0), HIGHEST);
        Backoff b = backoff(1000, 30_000, HIGHEST);
        assertEquals(999, b.delayMillis(0));
        assertEquals(1999, b.delayMillis(1));
        assertEquals(3999, b.delayMillis(2));
        assertEquals(7999, b.delayMillis(3));
        assertEquals(15_999, b.delayMillis(4));
        assertEquals(29_999, b.delayMillis(5));
        assertEquals(29_999, b.delayMillis(6));
    }

    @Test
    void delayIsCappedAtMax() {
        Backoff b = backoff(100, 5_000, HIGHEST);
        for (int failures = 0; failures < 64; failures++) {
            assertTrue(b.delayMillis(failures) <= 5_000, "failures=" + failures);
        }
        assertTrue(b.delayMillis(63) >= 2_500);
    }

    @ParameterizedTest
    @ValueSource(doubles = {LOWEST, HIGHEST})
    void delayIsNeverZero(double random) {
        for (long min : new long[] {0, 1, 2, 3}) {
            Backoff b = backoff(min, 1, random);
            for (int failures = 0; failures < 100; failures++) {
                assertTrue(b.delayMillis(failures) >= 1, "min=" + min + " failures=" + failures);
            }
        }
        assertTrue(new Backoff(Duration.ZERO, Duration.ZERO, () -> random).delayMillis(0) >= 1);
    }

    @ParameterizedTest
    @ValueSource(doubles = {LOWEST, HIGHEST})
    void manyFailuresDoNotOverflow(double random) {
        Backoff b = backoff(1000, 30_000, random);
        for (int failures : new int[] {31, 32, 63, 64, 65, 1000, Integer.MAX_VALUE}) {
            long delay = b.delayMillis(failures);
            assertTrue(delay >= 15_000 && delay <= 30_000, "failures=" + failures + " delay=" + delay);
        }
    }

    @Test
    void maxBelowMinIsRaisedToMin() {
        Backoff b = backoff(2000, 500, LOWEST);
        assertEquals(1000, b.delayMillis(0));
        assertEquals(1000, b.delayMillis(10));
    }

    /**
     * The doubling must not overflow however large the cap: with a cap near {@code Long.MAX_VALUE}
     * milliseconds the ceiling passes 2^62, doubles into a negative number, and then stays 0.
     */
    @ParameterizedTest
    @ValueSource(doubles = {LOWEST, HIGHEST})
    void manyFailuresDoNotOverflowEvenWithAHugeMax(double random) {
        long max = Long.MAX_VALUE;
        Backoff b = backoff(1, max, random);
        for (int failures : new int[] {62, 63, 64, 1000}) {
            long delay = b.delayMillis(failures);
            assertTrue(delay >= ceiling(1, max, 62) / 2, "failures=" + failures + " delay=" + delay);
        }
    }
}
