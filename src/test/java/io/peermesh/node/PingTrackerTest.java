package io.peermesh.node;

import io.peermesh.node.rtt.PingTracker;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PingTrackerTest {

    private static final long MS = 1_000_000L; // nanoseconds per millisecond
    private static final long TIMEOUT = 6_000 * MS;

    private final PingTracker tracker = new PingTracker(new java.util.SplittableRandom(1), false);

    @Test
    void startReturnsDistinctNonces() {
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < PingTracker.MAX_IN_FLIGHT; i++) {
            String nonce = tracker.start(i * MS, false);
            assertNotNull(nonce);
            assertFalse(nonce.isEmpty());
            nonces.add(nonce);
        }
        assertEquals(PingTracker.MAX_IN_FLIGHT, nonces.size());
        assertEquals(PingTracker.MAX_IN_FLIGHT, tracker.inFlight());
    }

    @Test
    void freshTrackerHasNoMeasurements() {
        assertEquals(0, tracker.inFlight());
        assertEquals(-1, tracker.lastRttNanos());
        assertEquals(-1, tracker.smoothedRttNanos());
        assertEquals(-1, tracker.lastPongMillis());
        assertFalse(tracker.overdue(Long.MAX_VALUE, TIMEOUT));
    }

    @Test
    void matchingPongReturnsRttFromItsPingAndClearsIt() {
        String nonce = tracker.start(1_000 * MS, false);
        long rtt = tracker.answer(nonce, 1_042 * MS, 77, true);
        assertEquals(42 * MS, rtt);
        assertEquals(42 * MS, tracker.lastRttNanos());
        assertEquals(0, tracker.inFlight());
        assertEquals(-1, tracker.answer(nonce, 1_050 * MS, 78, true), "a duplicate pong answers nothing");
    }

    @Test
    void matchingPongAlsoClearsEveryOlderPing() {
        String first = tracker.start(0, false);
        String second = tracker.start(2_000 * MS, false);
        String third = tracker.start(4_000 * MS, false);
        String fourth = tracker.start(6_000 * MS, false);

        assertEquals(10 * MS, tracker.answer(third, 4_010 * MS, 1, true));
        assertEquals(1, tracker.inFlight());
        assertEquals(-1, tracker.answer(first, 4_020 * MS, 2, true));
        assertEquals(-1, tracker.answer(second, 4_020 * MS, 2, true));
        assertEquals(5 * MS, tracker.answer(fourth, 6_005 * MS, 3, true));
        assertEquals(0, tracker.inFlight());
    }

    @Test
    void pongWithoutNonceAnswersTheOldestPing() {
        tracker.start(1_000 * MS, false);
        String second = tracker.start(3_000 * MS, false);

        assertEquals(500 * MS, tracker.answer(null, 1_500 * MS, 9, true));
        assertEquals(1, tracker.inFlight());
        assertEquals(100 * MS, tracker.answer(second, 3_100 * MS, 10, true));
    }

    @Test
    void pongWithoutNonceWhenNothingIsInFlightReturnsMinusOne() {
        assertEquals(-1, tracker.answer(null, 1_000 * MS, 5, true));
        assertEquals(-1, tracker.lastPongMillis());
    }

    @Test
    void unknownNonceReturnsMinusOneAndChangesNothing() {
        String first = tracker.start(0, false);
        tracker.start(1_000 * MS, false);
        assertEquals(30 * MS, tracker.answer(first, 30 * MS, 100, true));

        assertEquals(-1, tracker.answer("not-a-nonce", 1_500 * MS, 200, true));

        assertEquals(1, tracker.inFlight());
        assertEquals(30 * MS, tracker.lastRttNanos());
        assertEquals(30 * MS, tracker.smoothedRttNanos());
        assertEquals(100, tracker.lastPongMillis());
        assertTrue(tracker.overdue(1_000 * MS + TIMEOUT, TIMEOUT), "the remaining ping is still tracked");
    }

    @Test
    void overdueIsFalseBeforeTheTimeoutAndTrueAtAndAfterIt() {
        tracker.start(5_000 * MS, false);
        assertFalse(tracker.overdue(5_000 * MS, TIMEOUT));
        assertFalse(tracker.overdue(5_000 * MS + TIMEOUT - 1, TIMEOUT));
        assertTrue(tracker.overdue(5_000 * MS + TIMEOUT, TIMEOUT));
        assertTrue(tracker.overdue(5_000 * MS + TIMEOUT + 1, TIMEOUT));
    }

    @Test
    void overdueIsMeasuredFromTheOldestUnansweredPing() {
        tracker.start(0, false);               // never answered
        tracker.start(2_000 * MS, false);
        tracker.start(4_000 * MS, false);
        assertFalse(tracker.overdue(TIMEOUT - 1, TIMEOUT));
        assertTrue(tracker.overdue(TIMEOUT, TIMEOUT), "newer pings must not reset the clock");
    }

    @Test
    void answeringTheOldestMovesTheOverdueClockToTheNextOne() {
        String first = tracker.start(0, false);
        tracker.start(2_000 * MS, false);
        tracker.answer(first, 100 * MS, 1, true);
        assertFalse(tracker.overdue(TIMEOUT, TIMEOUT));
        assertFalse(tracker.overdue(2_000 * MS + TIMEOUT - 1, TIMEOUT));
        assertTrue(tracker.overdue(2_000 * MS + TIMEOUT, TIMEOUT));
    }

    @Test
    void notOverdueOnceEveryPingIsAnswered() {
        String nonce = tracker.start(0, false);
        tracker.answer(nonce, 10 * MS, 1, true);
        assertFalse(tracker.overdue(100 * TIMEOUT, TIMEOUT));
    }

    @Test
    void atMostMaxInFlightPingsAreTracked() {
        for (int i = 0; i < PingTracker.MAX_IN_FLIGHT; i++) {
            assertNotNull(tracker.start(i * MS, false));
        }
        assertNull(tracker.start(1_000 * MS, false));
        assertNull(tracker.start(2_000 * MS, false));
        assertEquals(PingTracker.MAX_IN_FLIGHT, tracker.inFlight());

        assertTrue(tracker.answer(null, 3_000 * MS, 1, true) > 0);
        assertNotNull(tracker.start(3_000 * MS, false), "one slot was freed");
        assertNull(tracker.start(3_001 * MS, false));
    }

    @Test
    void trackingSurvivesWrappingAroundTheRing() {
        long now = 0;
        for (int round = 0; round < 5 * PingTracker.MAX_IN_FLIGHT; round++) {
            String a = tracker.start(now, false);
            String b = tracker.start(now + MS, false);
            assertEquals(3 * MS, tracker.answer(a, now + 3 * MS, round, true));
            assertEquals(3 * MS, tracker.answer(b, now + 4 * MS, round, true));
            now += 10 * MS;
        }
        assertEquals(0, tracker.inFlight());
    }

    @Test
    void smoothedRttFollowsAnEighthWeightedMovingAverage() {
        // First sample is taken as is.
        tracker.answer(tracker.start(0, false), 80 * MS, 1, true);
        assertEquals(80.0 * MS, tracker.smoothedRttNanos());

        // Then s += (rtt - s) / 8.
        tracker.answer(tracker.start(1_000 * MS, false), 1_160 * MS, 2, true);
        assertEquals(90.0 * MS, tracker.smoothedRttNanos(), 1e-3);
        assertEquals(160 * MS, tracker.lastRttNanos());

        tracker.answer(tracker.start(2_000 * MS, false), 2_010 * MS, 3, true);
        assertEquals(80.0 * MS, tracker.smoothedRttNanos(), 1e-3);
        assertEquals(10 * MS, tracker.lastRttNanos());
    }

    @Test
    void lastPongMillisIsSetByEveryMatchedPong() {
        tracker.answer(tracker.start(0, false), 5 * MS, 1_700_000_000_000L, true);
        assertEquals(1_700_000_000_000L, tracker.lastPongMillis());
        tracker.answer(tracker.start(10 * MS, false), 15 * MS, 1_700_000_000_250L, true);
        assertEquals(1_700_000_000_250L, tracker.lastPongMillis());
    }

    @Test
    void rttIsNeverNegative() {
        String nonce = tracker.start(1_000 * MS, false);
        assertEquals(0, tracker.answer(nonce, 999 * MS, 1, true));
    }

    @Test
    void withFollowUpsOnlyTheFollowUpsRoundTripIsASample() {
        PingTracker pairs = new PingTracker(new java.util.SplittableRandom(2), true);
        String lead = pairs.start(1_000 * MS, false);
        assertEquals(3 * MS, pairs.answer(lead, 1_003 * MS, 1, true), "the lead's round trip is still returned");
        assertTrue(pairs.answeredLead(), "a follow-up is due");
        assertEquals(-1, pairs.lastRttNanos(), "but it is no sample");
        assertEquals(1_003, pairs.lastPongNanos() / MS, "and the peer is alive");

        String followUp = pairs.start(1_003 * MS, true);
        assertEquals(MS / 5, pairs.answer(followUp, 1_003 * MS + MS / 5, 2, true));
        assertFalse(pairs.answeredLead());
        assertEquals(MS / 5, pairs.lastRttNanos());
        assertEquals(MS / 5, pairs.minRttNanos(1_004 * MS));
        assertEquals(0, pairs.inFlight());
    }

    @Test
    void anUnansweredFollowUpTimesOutFromWhenItWasSent() {
        PingTracker pairs = new PingTracker(new java.util.SplittableRandom(3), true);
        pairs.answer(pairs.start(0, false), 1 * MS, 1, true);
        pairs.start(1 * MS, true); // the peer answered the lead, then went silent
        assertEquals(1 * MS + TIMEOUT, pairs.overdueAtNanos(TIMEOUT));
        assertFalse(pairs.overdue(TIMEOUT, TIMEOUT));
        assertTrue(pairs.overdue(1 * MS + TIMEOUT, TIMEOUT));
    }

    @Test
    void withoutFollowUpsEveryRoundTripIsASample() {
        String nonce = tracker.start(0, false);
        tracker.answer(nonce, 2 * MS, 1, true);
        assertFalse(tracker.answeredLead());
        assertEquals(2 * MS, tracker.lastRttNanos());
    }

    @Test
    void aRoundTripThatIsNoSampleKeepsThePeerAliveAndAsksForNoFollowUp() {
        PingTracker pairs = new PingTracker(new java.util.SplittableRandom(4), true);
        assertEquals(30 * MS, pairs.answer(pairs.start(0, false), 30 * MS, 1, false), "returned, for the histogram");
        assertFalse(pairs.answeredLead(), "no follow-up while the node starts");
        assertEquals(-1, pairs.lastRttNanos());
        assertTrue(pairs.history().isEmpty());
        assertEquals(30, pairs.lastPongNanos() / MS, "the peer is alive");
        assertEquals(2 * MS, tracker.answer(tracker.start(0, false), 2 * MS, 1, false));
        assertEquals(-1, tracker.lastRttNanos(), "without follow-ups too");
    }
}
