package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.CloseCause.Kind;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.view.Readiness;
import io.peermesh.wire.MsgType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the real-socket tests assert about the mesh as a whole, in virtual time over many seeds:
 * the eviction rules at {@code p2p.max-peers}, the economy of peer exchange, and the reasons a node
 * that is not ready gives. {@code -Dsim.seeds=N} runs more seeds, {@code -Dsim.seed=S} replays one.
 */
@ExtendWith(QuietLogs.class)
class SimBehaviourMeshTest {

    static final NodeConfig DEFAULTS = NodeConfig.builder().build();
    /** Six: with fewer, the four protected peers (2 longest-connected, 2 fastest) leave no one to evict. */
    static final int FULL_AT = 6;

    private static String hint(Observed o, String property) {
        return o.hint(SimBehaviourMeshTest.class, property);
    }

    /** A pod the others cannot find: bootstrap only, and not listed in DNS. */
    private static SimNode isolated(Observed o, SimNode bootstrap) {
        SimNode x = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).bootstrap(List.of(bootstrap.address())));
        o.cluster.dns().unlist(x.address());
        return x;
    }

    /**
     * Six pods meshed by DNS find a seventh, S (max-peers 6, discovering nothing itself), which
     * fills with six inbound peers that have five others each. Three isolated pods (bootstrap S
     * only) start within 20 s. S lets the first in by evicting a peer that keeps at least two others;
     * evictions are a ping timeout apart at least; S never exceeds max-peers; the nodes that have a
     * peer form one connected graph at every sampled instant, and in the end everyone is in it.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("io.peermesh.sim.Observed#seeds")
    void aFullNodeLetsAnIsolatedOneInByEvictingAPeerThatHasOthers(long seed) {
        Observed o = new Observed(seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 6; i++) {
            SimNode m = o.add(b -> b);
            o.sim.at(r.nextLong(1_000_000_000L), null, m::start);
        }
        assertTrue(o.sim.runUntil(o.cluster::fullMesh, Duration.ofSeconds(30)), hint(o, "evict"));
        SimNode s = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).maxPeers(FULL_AT)).start(); // DNS lists it now
        assertTrue(o.sim.runUntil(() -> s.peerCount() == FULL_AT, Duration.ofSeconds(10)), "S not full; " + hint(o, "evict"));
        o.sim.runFor(Duration.ofSeconds(10)); // the newest peers are no longer the fastest by accident alone
        List<SimNode> newcomers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SimNode x = isolated(o, s);
            newcomers.add(x);
            o.sim.at(o.sim.nowNanos() + r.nextLong(20_000_000_000L), null, x::start);
        }
        for (int t = 0; t < 50; t++) {
            o.sim.runFor(Duration.ofSeconds(1));
            assertTrue(s.peerCount() <= FULL_AT, "S has " + s.peerCount() + " peers; " + hint(o, "evict"));
            assertTrue(connectedAmongThoseWithPeers(o), "the mesh split at " + o.sim.nowMillis() + " ms; " + hint(o, "evict"));
        }
        String h = hint(o, "evict");
        List<Observed.Close> evictions = o.closesAt(s).stream().filter(c -> c.kind() == Kind.EVICTED).toList();
        assertTrue(!evictions.isEmpty(), "no eviction at all: the rule was not exercised; " + h);
        for (int i = 1; i < evictions.size(); i++) {
            long gap = evictions.get(i).atMillis() - evictions.get(i - 1).atMillis();
            assertTrue(gap >= DEFAULTS.pingTimeout().toMillis(), "evictions " + gap + " ms apart " + evictions + "; " + h);
        }
        for (Observed.Close e : evictions) {
            assertTrue(e.peersOfPeer() >= 2, "the victim kept " + e.peersOfPeer() + " other peers: " + e + "; " + h);
        }
        assertTrue(o.closes.stream().noneMatch(c -> c.kind() == Kind.EVICTED && c.node() != s), o.closes + "; " + h);
        for (SimNode x : o.cluster.nodes()) {
            assertTrue(x.peerCount() >= 1, x + " is alone; " + h);
        }
        assertTrue(o.connected(), "not one connected mesh; " + h);
        System.out.printf("evict seed %d: %d eviction(s) at %s, victims kept %s other peers%n", seed, evictions.size(),
                evictions.stream().map(Observed.Close::atMillis).toList(), evictions.stream().map(Observed.Close::peersOfPeer).toList());
    }

    private static boolean connectedAmongThoseWithPeers(Observed o) {
        // Nodes that have no peer yet (a newcomer between its refusal and its next dial) are not
        // part of the mesh; the others must all be one graph.
        return Observed.connected(o.cluster.running().stream().filter(x -> x.peerCount() > 0).toList());
    }

    /**
     * Twelve pods from one seed address (bootstrap only): forming the mesh costs at most 5n
     * getaddr (each asks its first three peers, the seed asks every joiner) and at most 25 % more
     * handshakes than connections kept (the first-dial rule). Then, over three formed minutes, each
     * node sends at most 4 getaddr a minute (one per getaddr-interval of 30 s, jittered to at least
     * 15 s), answers each getaddr with one addr line, and gets no addr it did not ask for.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("io.peermesh.sim.Observed#seeds")
    void peerExchangeStaysWithinItsBudget(long seed) {
        Observed o = new Observed(seed);
        SplittableRandom r = new SplittableRandom(seed);
        int n = 12;
        SimNode seedNode = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS)).start();
        for (int i = 1; i < n; i++) {
            SimNode x = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).bootstrap(List.of(seedNode.address())));
            o.sim.at(r.nextLong(2_000_000_000L), null, x::start);
        }
        assertTrue(o.sim.runUntil(o.cluster::fullMesh, Duration.ofSeconds(60)), "no full mesh; " + hint(o, "economy"));
        String h = hint(o, "economy");
        long getaddrs = o.cluster.nodes().stream().mapToLong(x -> o.counts(x).sent(MsgType.GETADDR)).sum();
        long handshakes = o.cluster.nodes().stream().mapToLong(x -> o.counts(x).handshakes(HandshakeResult.OK)).sum();
        long needed = (long) n * (n - 1);
        assertTrue(getaddrs <= 5L * n, "getaddr sent " + getaddrs + " times forming " + n + " nodes; " + h);
        assertTrue(handshakes <= needed + needed / 4, "handshakes " + handshakes + " for " + needed / 2 + " connections; " + h);
        // The last handshakes' announcements and answers are still on the wire when the mesh is
        // full; the budget is about the formed mesh, so the window opens a little later.
        o.sim.runFor(Duration.ofSeconds(5));
        long[][] before = snapshot(o);
        int minutes = 3;
        o.sim.runFor(Duration.ofMinutes(minutes));
        assertTrue(o.cluster.fullMesh(), h);
        long[][] after = snapshot(o);
        long maxSent = 0;
        for (int i = 0; i < n; i++) {
            long getaddrSent = after[i][0] - before[i][0];
            long getaddrReceived = after[i][1] - before[i][1];
            long addrSent = after[i][2] - before[i][2];
            long addrReceived = after[i][3] - before[i][3];
            SimNode x = o.cluster.nodes().get(i);
            assertTrue(getaddrSent <= 4L * minutes, x + " sent " + getaddrSent + " getaddr in " + minutes + " min; " + h);
            assertTrue(addrSent <= getaddrReceived, x + " sent " + addrSent + " addr for " + getaddrReceived + " getaddr; " + h);
            // +1: a getaddr sent just before the window opened can be answered inside it.
            assertTrue(addrReceived <= getaddrSent + 1, x + " got " + addrReceived + " addr for " + getaddrSent + " getaddr; " + h);
            maxSent = Math.max(maxSent, getaddrSent);
        }
        System.out.printf("economy seed %d: forming %d getaddr, %d handshakes for %d connections; formed: at most %d getaddr"
                + " per node in %d min%n", seed, getaddrs, handshakes, needed / 2, maxSent, minutes);
    }

    private static long[][] snapshot(Observed o) {
        List<SimNode> all = o.cluster.nodes();
        long[][] s = new long[all.size()][];
        for (int i = 0; i < all.size(); i++) {
            Observed.Counts c = o.counts(all.get(i));
            s[i] = new long[] {c.sent(MsgType.GETADDR), c.received(MsgType.GETADDR), c.sent(MsgType.ADDR), c.received(MsgType.ADDR)};
        }
        return s;
    }

    /** The reason a node that cannot get a peer gives, in each situation, a minute into it. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("io.peermesh.sim.Observed#seeds")
    void aNodeThatIsNotReadySaysWhy(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Duration wait = Duration.ofMillis(r.nextLong(20_000, 60_000));

        Observed o = new Observed(seed);
        SimNode alone = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS)).start();
        o.sim.runFor(wait);
        expect(o, alone, "nothing to discover from: neither p2p.bootstrap nor p2p.discovery.dns is set, "
                + "so this node only waits for peers to dial it", "nothing");

        o = new Observed(seed);
        SimNode gone = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS)).start();
        gone.stop(); // the host is there, nothing listens: connections are refused
        SimNode x = isolated(o, gone).start();
        o.sim.runFor(wait);
        Readiness why = expect(o, x, "0 of 1 required peers; cannot reach the others (see problems)", "refused");
        assertTrue(why.problems().stream().anyMatch(p -> p.contains("refused")), why + "; " + hint(o, "refused"));

        o = new Observed(seed);
        SimNode other = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).network("elsewhere")).start();
        x = isolated(o, other).start();
        o.sim.runFor(wait);
        why = expect(o, x, "0 of 1 required peers; cannot reach the others (see problems)", "network");
        assertTrue(why.problems().stream().anyMatch(p -> p.contains("network")), why + "; " + hint(o, "network"));

        o = new Observed(seed);
        o.cluster.dns().down(true);
        x = o.add(b -> b).start();
        o.sim.runFor(wait);
        expect(o, x, "DNS failing: timeout (simulated DNS server down)", "dns-down");

        o = new Observed(seed);
        x = o.add(b -> b);
        o.cluster.dns().unlist(x.address());
        x.start();
        o.sim.runFor(wait);
        expect(o, x, "DNS empty: " + SimCluster.SERVICE + " has no addresses yet (NXDOMAIN)", "dns-empty");

        // A pair at max-peers 1: each is full, and neither peer can be evicted (it has no other).
        o = new Observed(seed);
        SimNode s1 = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).maxPeers(1)).start();
        SimNode s2 = o.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).maxPeers(1).bootstrap(List.of(s1.address()))).start();
        assertTrue(o.sim.runUntil(() -> s1.peerCount() == 1, Duration.ofSeconds(5)), hint(o, "full"));
        x = isolated(o, s1).start();
        o.sim.runFor(wait);
        why = expect(o, x, "0 of 1 required peers; cannot reach the others (see problems)", "full");
        // Both refused it full (S2's address came in S1's reject); a gossip-only address that keeps
        // failing is forgotten in time, so only the bootstrap's problem may be left.
        assertTrue(!why.problems().isEmpty() && why.problems().stream().allMatch(p -> p.endsWith("refused by peer: full (at p2p.max-peers 1)")),
                why + "; " + hint(o, "full"));
        assertTrue(o.counts(x).handshakes(HandshakeResult.REFUSED) >= 2, "refused by S1 and S2; " + hint(o, "full"));
        assertEquals(1, s1.peerCount(), hint(o, "full"));
        assertEquals(1, s2.peerCount(), hint(o, "full"));
    }

    private static Readiness expect(Observed o, SimNode x, String reason, String what) {
        Readiness why = x.node().readiness();
        System.out.printf("readiness %s seed %d: %s%n", what, o.sim.seed(), why);
        assertEquals(false, why.ready(), hint(o, what));
        assertEquals(reason, why.reason(), why + "; " + hint(o, what));
        return why;
    }
}
