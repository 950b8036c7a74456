package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The round trips a node reports are the link's (issue #16): in virtual time the core costs
 * nothing, so a reported RTT is exactly the two one-way latencies of the model, stamped where the
 * link hands over the bytes (SimLink: the reader's loop time at delivery).
 */
@org.junit.jupiter.api.extension.ExtendWith(QuietLogs.class)
class SimRttTest {

    private static final class Rtts implements NodeObserver {
        final List<Long> nanos = new ArrayList<>();

        @Override
        public void pingRoundTrip(long rtt) {
            nanos.add(rtt);
        }
    }

    /** Two nodes meshed, then {@code run} of pings; returns a's round trips and its view of b. */
    private static PeerView pair(SimCluster c, Rtts observed, Duration run) {
        // One ping a round, so that the histogram's samples (observed) are exactly /peers' samples.
        SimNode a = c.add(b -> b.pingInterval(Duration.ofSeconds(2)).pingFollowUp(false), observed);
        SimNode b = c.add(x -> x.pingInterval(Duration.ofSeconds(2)).pingFollowUp(false), NodeObserver.NONE);
        a.start();
        b.start();
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(30)), c.sim().replayHint("pair"));
        c.sim().runFor(run);
        List<PeerView> peers = a.peers();
        assertEquals(1, peers.size());
        return peers.get(0);
    }

    @Test
    void withoutJitterEveryRoundTripIsTwiceTheOneWayLatencyExactly() {
        SimCluster c = new SimCluster(16);
        c.network().latency(Duration.ofNanos(750_000), Duration.ZERO);
        Rtts observed = new Rtts();
        PeerView view = pair(c, observed, Duration.ofSeconds(60));
        assertTrue(observed.nanos.size() >= 25, "pings answered: " + observed.nanos.size());
        for (long rtt : observed.nanos) {
            assertEquals(1_500_000L, rtt, "round trip in virtual ns");
        }
        assertEquals(1.5, view.lastRttMillis().doubleValue());
        assertEquals(1.5, view.smoothedRttMillis().doubleValue());
        assertEquals(1.5, view.minRttMillis().doubleValue());
        assertEquals(0.0, view.jitterMillis().doubleValue());
    }

    @Test
    void withJitterTheMinimumIsTheSmallestRoundTripAndNeverBelowTheBase() {
        SimCluster c = new SimCluster(17);
        long base = 200_000;
        long jitterMean = 50_000; // exponential, each way
        c.network().latency(Duration.ofNanos(base), Duration.ofNanos(jitterMean));
        Rtts observed = new Rtts();
        PeerView view = pair(c, observed, Duration.ofSeconds(200));
        assertTrue(observed.nanos.size() >= 90, "pings answered: " + observed.nanos.size());
        long min = observed.nanos.stream().mapToLong(Long::longValue).min().orElseThrow();
        double mean = observed.nanos.stream().mapToLong(Long::longValue).average().orElseThrow();
        assertTrue(min >= 2 * base, "below the model's floor: " + min);
        // Mean of base + Exp(mean) each way; 90+ samples of a sum of two exponentials: within 30 %.
        assertEquals(2 * base + 2 * jitterMean, mean, 0.3 * 2 * jitterMean, "mean round trip");
        assertNotNull(view.minRttMillis());
        assertEquals(min / 1e6, view.minRttMillis().doubleValue(), 1e-9, "the window (5 min) holds every sample of this run");
        assertEquals(observed.nanos.get(observed.nanos.size() - 1) / 1e6, view.lastRttMillis().doubleValue(), 1e-9);
        // RFC 3550 jitter averages |D|, D the difference of two consecutive round trips: a sum of two
        // Laplace(jitterMean) variables, whose mean absolute value is 1.5 x jitterMean (75 us).
        assertTrue(view.jitterMillis() > 0 && view.jitterMillis() < 4 * jitterMean / 1e6, "jitter " + view.jitterMillis().doubleValue());
    }

    /** When each ping left a node, in virtual ns. */
    private static final class PingTimes implements NodeObserver {
        final Simulation sim;
        final List<Long> at = new ArrayList<>();

        PingTimes(Simulation sim) {
            this.sim = sim;
        }

        @Override
        public void sent(io.peermesh.wire.MsgType type, int bytes) {
            if (type == io.peermesh.wire.MsgType.PING) {
                at.add(sim.nowNanos());
            }
        }
    }

    /**
     * Quarkus' scheduler fires on the wall clock's second, so every node ticks at the same instant;
     * pingRoundAtPhase spreads the rounds: each node pings at its own fixed offset from the tick,
     * so its rounds stay exactly one interval apart and two nodes' rounds do not collide.
     */
    @Test
    void roundsTickedAtTheSameInstantGoOutAtEachNodesOwnPhase() {
        SimCluster c = new SimCluster(18);
        c.network().latency(Duration.ofNanos(100_000), Duration.ZERO);
        PingTimes timesA = new PingTimes(c.sim());
        PingTimes timesB = new PingTimes(c.sim());
        SimNode a = c.add(x -> x.pingInterval(Duration.ofSeconds(2)).pingFollowUp(false).internalPingTimer(false), timesA);
        SimNode b = c.add(x -> x.pingInterval(Duration.ofSeconds(2)).pingFollowUp(false).internalPingTimer(false), timesB);
        a.start();
        b.start();
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(30)), c.sim().replayHint("phase"));
        c.sim().runFor(Duration.ofSeconds(3)); // the pings every peer gets on its handshake are out
        timesA.at.clear();
        timesB.at.clear();
        long ticks = 10;
        for (int t = 0; t < ticks; t++) {
            long tick = c.sim().nowNanos();
            a.node().pingRoundAtPhase();
            b.node().pingRoundAtPhase();
            a.node().pingRoundAtPhase(); // a second tick before the round went: still one round
            c.sim().runUntil(tick + 2_000_000_000L);
        }
        for (List<Long> at : List.of(timesA.at, timesB.at)) {
            assertEquals(ticks, at.size(), "one ping per tick: " + at);
            for (int i = 1; i < at.size(); i++) {
                assertEquals(2_000_000_000L, at.get(i) - at.get(i - 1), "rounds one interval apart");
            }
        }
        long apart = Math.abs(timesA.at.get(0) - timesB.at.get(0));
        assertTrue(apart > 1_000_000L, "the two nodes' rounds collide: " + apart + " ns apart");
        a.node().pingRoundAtPhase();
        a.stop();
        c.sim().runFor(Duration.ofSeconds(1));
        assertEquals(0, a.loop().liveTimers(), "stop cancels a round waiting for its phase: " + a.loop().liveTimerOrigins());
    }

    /**
     * A CPU-starved peer (stopped 0.6 s, then run 0.3-0.7 s, over and over) answers its lead pings late; the
     * follow-up, sent while it runs, does not show that. The histogram (every ping's round trip)
     * keeps the late ones for the RTT alert; /peers' minimum stays the link's.
     */
    @Test
    void aStarvedPeersLateAnswersReachTheHistogramWhileTheLinksMinimumStays() {
        SimCluster c = new SimCluster(19);
        c.network().latency(Duration.ofNanos(100_000), Duration.ZERO);
        Rtts observed = new Rtts();
        SimNode a = c.add(x -> x.pingInterval(Duration.ofSeconds(2)).pingTimeout(Duration.ofSeconds(6)), observed);
        SimNode b = c.add(x -> x.pingInterval(Duration.ofSeconds(2)).pingTimeout(Duration.ofSeconds(6)), NodeObserver.NONE);
        a.start();
        b.start();
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(30)), c.sim().replayHint("starved"));
        observed.nanos.clear();
        for (int cycle = 0; cycle < 60; cycle++) {
            // Runs of 300-690 ms, so that the cycle does not lock onto the 2 s ping rounds.
            c.sim().runFor(Duration.ofMillis(300 + (cycle * 137) % 400));
            b.pause();
            c.sim().runFor(Duration.ofMillis(600));
            b.resume();
        }
        c.sim().runFor(Duration.ofSeconds(3));
        long late = observed.nanos.stream().filter(n -> n >= 100_000_000L).count();
        assertTrue(late >= 5, "round trips of 100 ms or more in the histogram: " + late + " of " + observed.nanos.size());
        List<PeerView> peers = a.peers();
        assertEquals(1, peers.size(), "never dropped");
        assertEquals(0.2, peers.get(0).minRttMillis().doubleValue(), 1e-9, "the link's minimum");
    }

    /**
     * While a node's start is under way (PeerNode#holdRttSamples, the application's RTT warm-up)
     * its round trips keep the peer alive and reach the histogram, but are no samples and get no
     * follow-up; from the first round after the release they are.
     */
    @Test
    void roundTripsDuringTheStartAreNoSamplesUntilReleased() {
        SimCluster c = new SimCluster(20);
        c.network().latency(Duration.ofNanos(100_000), Duration.ZERO);
        Rtts observed = new Rtts();
        SimNode a = c.add(x -> x.pingInterval(Duration.ofSeconds(2)), observed);
        SimNode b = c.add(x -> x.pingInterval(Duration.ofSeconds(2)), NodeObserver.NONE);
        a.start();
        a.node().holdRttSamples(); // before the loop runs the node's start, as PeerService does before deploy
        b.start();
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(30)), c.sim().replayHint("held"));
        c.sim().runFor(Duration.ofSeconds(10));
        // The connection's first ping and a round every 2 s, leads only: with follow-ups, twice that.
        assertTrue(observed.nanos.size() >= 5 && observed.nanos.size() <= 7, "pings answered while held: " + observed.nanos);
        PeerView held = a.peers().get(0);
        assertEquals(null, held.lastRttMillis(), "no sample while held");
        assertEquals(null, held.minRttMillis());
        int before = observed.nanos.size();
        a.node().releaseRttSamples();
        c.sim().runFor(Duration.ofMillis(4_500));
        PeerView released = a.peers().get(0);
        assertNotNull(released.lastRttMillis(), "a sample from the first round after the release");
        assertEquals(0.2, released.lastRttMillis().doubleValue(), 1e-9);
        assertEquals(0.2, released.minRttMillis().doubleValue(), 1e-9);
        // Two rounds, each a lead and its follow-up.
        assertEquals(4, observed.nanos.size() - before, "lead and follow-up per round after the release: " + observed.nanos);
    }
}
