package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crossing dials end in exactly one connection per pair in every interleaving. 2 and 3 nodes dial
 * each other at the same instant; the network holds every delivery (a connect reaching the
 * listener, the accept, the connect completing, each segment, each close) and the test orders them
 * by hand, enumerating every order a node can see its deliveries in (depth first, each run from
 * scratch, as a model checker does). Deliveries to different nodes commute, and so do a node's
 * deliveries from different peers (what it decides about one peer depends on that peer's
 * connections only, far from p2p.max-peers), so only the order per node and peer is explored; pings, pongs and address gossip carry no decision of the crossing-dial rule and
 * are delivered in one fixed order (first). Time stands still until no delivery is pending; then the run goes on in
 * virtual time and is checked after quiescence.
 */
@ExtendWith(QuietLogs.class)
class CrossingDialsSimTest {

    static final int MAX_RUNS = 200_000;

    /** Replays the choices in {@code prefix}, then always picks the first; records every arity. */
    private static final class Scripted implements Simulation.Chooser {
        final List<Integer> prefix;
        final List<Integer> taken = new ArrayList<>();
        final List<Integer> arity = new ArrayList<>();

        Scripted(List<Integer> prefix) {
            this.prefix = prefix;
        }

        @Override
        public int choose(int count, long atNanos) {
            int i = taken.size();
            int pick = i < prefix.size() ? prefix.get(i) : 0;
            taken.add(pick);
            arity.add(count);
            return pick;
        }
    }

    private record Outcome(List<Integer> taken, List<Integer> arity, long trace) {
    }

    private static Outcome run(int n, List<Integer> prefix) {
        SimCluster c = new SimCluster(7);
        c.network().latency(Duration.ofNanos(200_000), Duration.ZERO);
        Scripted chooser = new Scripted(prefix);
        c.network().control(new SimNetwork.Controlled());
        List<HostPort> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(new HostPort(SimCluster.ipOf(i), SimCluster.PORT));
        }
        for (int i = 0; i < n; i++) {
            List<HostPort> others = new ArrayList<>(all);
            others.remove(i);
            SimNode node = c.add(b -> b.discovery(DiscoveryConfig.DEFAULTS).bootstrap(others), NodeObserver.NONE);
            c.sim().at(0, null, node::start);
        }
        int delivered = 0;
        do {
            c.sim().runUntil(c.sim().nowNanos()); // what the last delivery set off, at this instant
            assertTrue(++delivered < 10_000, "deliveries without end");
        } while (c.network().deliverNext(chooser));
        c.network().control(null);
        String where = " with choices " + chooser.taken;
        // Resolved with no timer having fired: no retry, no back-off, nothing dropped and re-dialled.
        checkOneConnectionPerPair(c, n, "when the last delivery is in" + where);
        c.sim().runFor(Duration.ofSeconds(30));
        checkOneConnectionPerPair(c, n, "after quiescence" + where);
        return new Outcome(chooser.taken, chooser.arity, c.sim().traceHash());
    }

    private static void checkOneConnectionPerPair(SimCluster c, int n, String where) {
        boolean meshed = c.fullMesh();
        assertTrue(meshed, "no full mesh " + where);
        assertEquals(List.of(), c.disagreements(), where);
        for (SimNode x : c.nodes()) {
            assertEquals(n - 1, x.node().openConnections(), x + " holds a second connection" + where);
        }
    }

    /** Every choice sequence, odometer order: returns the number of runs and of distinct traces. */
    private static int[] exhaust(int n) {
        List<Integer> prefix = new ArrayList<>();
        Set<Long> traces = new HashSet<>();
        int runs = 0;
        while (true) {
            Outcome o = run(n, prefix);
            runs++;
            traces.add(o.trace);
            assertTrue(runs < MAX_RUNS, "more than " + MAX_RUNS + " interleavings: not exhaustive");
            int p = o.taken.size() - 1;
            while (p >= 0 && o.taken.get(p) + 1 >= o.arity.get(p)) {
                p--;
            }
            if (p < 0) {
                return new int[] {runs, traces.size()};
            }
            prefix = new ArrayList<>(o.taken.subList(0, p));
            prefix.add(o.taken.get(p) + 1);
        }
    }

    @Test
    void twoNodesEndWithOneConnectionInEveryInterleaving() {
        int[] r = exhaust(2);
        System.out.println("crossing dials, 2 nodes: " + r[0] + " interleavings, " + r[1] + " distinct runs");
        assertTrue(r[1] > 1, "the choices changed nothing: the test would not see a race");
    }

    @Test
    void threeNodesEndWithOneConnectionPerPairInEveryInterleaving() {
        int[] r = exhaust(3);
        System.out.println("crossing dials, 3 nodes: " + r[0] + " interleavings, " + r[1] + " distinct runs");
        assertTrue(r[1] > 1);
    }
}
