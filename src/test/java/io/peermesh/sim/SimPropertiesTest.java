package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.view.PeerView;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the real core checked in virtual time, each over many seeds. {@code ./mvnw verify}
 * runs {@value #DEFAULT_SEEDS} seeds per property; {@code -Dsim.seeds=N} runs N (README
 * "Simulation" says how many per minute), {@code -Dsim.seed=S} replays one. A failure names its
 * seed in the one line that reproduces it.
 */
@org.junit.jupiter.api.extension.ExtendWith(QuietLogs.class)
class SimPropertiesTest {

    static final int DEFAULT_SEEDS = 12;
    /** Production defaults: ping every 2 s, timeout 6 s, connect timeout 3 s, back-off 1-30 s. */
    static final NodeConfig DEFAULTS = NodeConfig.builder().build();

    static LongStream seeds() {
        String one = System.getProperty("sim.seed");
        if (one != null) {
            return LongStream.of(Long.parseLong(one));
        }
        return LongStream.rangeClosed(1, Long.getLong("sim.seeds", DEFAULT_SEEDS));
    }

    private static SimCluster meshed(long seed, int n) {
        SimCluster c = new SimCluster(seed);
        c.startAll(n, Duration.ofSeconds(1), b -> b);
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60)), "no full mesh; " + c.sim().replayHint("meshed"));
        return c;
    }

    private static String hint(SimCluster c, String property) {
        return c.sim().replayHint("SimPropertiesTest " + property) + " -Dtest=SimPropertiesTest";
    }

    /** After quiescence each pair has at most one registered connection and both sides agree on it. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void afterQuiescenceEveryPairAgreesOnOneConnection(long seed) {
        SimCluster c = new SimCluster(seed);
        SplittableRandom r = new SplittableRandom(seed);
        int n = 3 + r.nextInt(10);
        // Everyone at once (crossing dials everywhere), within one network round trip or so.
        c.startAll(n, Duration.ofNanos(r.nextLong(1, 2_000_000)), b -> b);
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60)), "no full mesh of " + n + "; " + hint(c, "pairs"));
        c.sim().runFor(Duration.ofSeconds(30));
        assertEquals(List.of(), c.disagreements(), hint(c, "pairs"));
        for (SimNode x : c.running()) {
            assertEquals(n - 1, x.node().openConnections(), x + " holds a connection beyond its peers; " + hint(c, "pairs"));
        }
    }

    /** A peer stalled for less than ping-timeout - ping-interval is never dropped by anyone. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aPeerStalledForLessThanTimeoutMinusIntervalIsNeverDropped(long seed) {
        SimCluster c = meshed(seed, 5);
        c.sim().runFor(Duration.ofSeconds(10));
        SplittableRandom r = new SplittableRandom(seed);
        long bound = DEFAULTS.pingTimeout().minus(DEFAULTS.pingInterval()).toMillis();
        for (int round = 0; round < 3; round++) {
            SimNode victim = c.nodes().get(r.nextInt(c.nodes().size()));
            c.sim().runFor(Duration.ofMillis(r.nextLong(0, 2000))); // at any phase of the ping rounds
            long stall = r.nextLong(0, bound);
            victim.pause();
            c.sim().runFor(Duration.ofMillis(stall));
            victim.resume();
            c.sim().runFor(Duration.ofSeconds(10));
            assertTrue(c.fullMesh(), victim + " stalled " + stall + " ms was dropped; " + hint(c, "stall"));
            assertEquals(List.of(), c.disagreements(), hint(c, "stall"));
        }
    }

    /** A silent peer is dropped by every other node within ping-timeout + ping-interval. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aSilentPeerIsDroppedWithinTimeoutPlusInterval(long seed) {
        SimCluster c = meshed(seed, 5);
        SplittableRandom r = new SplittableRandom(seed);
        c.sim().runFor(Duration.ofMillis(5000 + r.nextLong(0, 2000)));
        SimNode silent = c.nodes().get(r.nextInt(c.nodes().size()));
        String id = silent.nodeId();
        silent.pause();
        long start = c.sim().nowNanos();
        List<SimNode> others = c.nodes().stream().filter(x -> x != silent).toList();
        boolean dropped = c.sim().runUntil(() -> others.stream().noneMatch(x -> lists(x, id)), Duration.ofSeconds(30));
        long tookMillis = (c.sim().nowNanos() - start) / 1_000_000;
        long bound = DEFAULTS.pingTimeout().plus(DEFAULTS.pingInterval()).toMillis();
        assertTrue(dropped && tookMillis <= bound, "dropped " + dropped + " after " + tookMillis + " ms, bound " + bound
                + " ms; " + hint(c, "silent"));
        silent.resume(); // and it comes back
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(40)), "no full mesh after resume; " + hint(c, "silent"));
    }

    private static boolean lists(SimNode x, String id) {
        for (PeerView p : x.peers()) {
            if (p.nodeid().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * After a partition heals, the full mesh is back within connect-timeout + dial-backoff-max + 1 s
     * (34 s with the defaults): a dial in flight when the partition heals times out at most a connect
     * timeout later, and its re-dial waits at most the back-off cap; the handshake itself takes a few
     * round trips. Either side's dial suffices.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void afterAPartitionHealsTheFullMeshIsBackWithinTheBound(long seed) {
        SimCluster c = meshed(seed, 6);
        SplittableRandom r = new SplittableRandom(seed);
        List<SimNode> all = c.nodes();
        int cut = 1 + r.nextInt(all.size() - 1);
        for (SimNode a : all.subList(0, cut)) {
            for (SimNode b : all.subList(cut, all.size())) {
                c.network().partition(a.ip(), b.ip());
            }
        }
        c.sim().runFor(Duration.ofSeconds(10 + r.nextInt(110))); // long enough for the back-off to reach its cap
        c.network().heal();
        long healedAt = c.sim().nowNanos();
        Duration bound = DEFAULTS.connectTimeout().plus(DEFAULTS.dialBackoffMax()).plusSeconds(1);
        boolean back = c.sim().runUntil(c::fullMesh, bound);
        assertTrue(back, "no full mesh " + bound + " after the heal; " + hint(c, "heal"));
        c.sim().runFor(Duration.ofSeconds(20));
        assertEquals(List.of(), c.disagreements(), hint(c, "heal"));
        System.out.printf("heal seed %d: cut %d|%d, full mesh %.1f s after the heal%n", seed, cut, all.size() - cut,
                (c.sim().nowNanos() - healedAt - 20e9) / 1e9);
    }

    /** Every node stops with no timer, connection, link or target timer left behind. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyNodeStopsWithNothingLeftBehind(long seed) {
        SimCluster c = meshed(seed, 4);
        SplittableRandom r = new SplittableRandom(seed);
        c.sim().runFor(Duration.ofMillis(r.nextLong(0, 10_000)));
        for (SimNode x : c.nodes()) {
            x.stop();
            c.sim().runFor(Duration.ofMillis(r.nextLong(0, 300)));
        }
        c.sim().runFor(Duration.ofSeconds(5));
        for (SimNode x : c.nodes()) {
            assertEquals(0, x.loop().liveTimers(), x + " left timers " + x.loop().liveTimerOrigins() + "; " + hint(c, "stop"));
            assertEquals(0, x.node().openConnections(), x + " left connections; " + hint(c, "stop"));
            assertEquals(0, c.network().linksOf(x.loop()), x + " left links; " + hint(c, "stop"));
            assertEquals(0, x.node().pendingDialTimers(), hint(c, "stop"));
        }
        assertEquals(0, c.network().liveLinks());
    }
}
