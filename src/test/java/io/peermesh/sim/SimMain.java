package io.peermesh.sim;

import io.peermesh.node.view.PeerView;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a simulated cluster from the command line and reports what it shows and how fast it ran:
 * <pre>
 *   ./mvnw -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.peermesh.sim.SimMain \
 *       -Dexec.args="--nodes 1000 --seconds 60 --max-peers 64 --seed 1"
 * </pre>
 * (README "Simulation" gives the shorter {@code bash src/test/sim/simulate.sh}). Output: virtual
 * seconds per wall second, events per second, how many peers and known addresses nodes have, how
 * long until every node was ready, and the trace hash that a replay of the seed must print again.
 */
public final class SimMain {

    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final Logger QUIET = Logger.getLogger("io.peermesh");

    public static void main(String[] args) {
        int nodes = intArg(args, "--nodes", 100);
        int seconds = intArg(args, "--seconds", 60);
        int maxPeers = intArg(args, "--max-peers", 64);
        long seed = intArg(args, "--seed", 1);
        int spreadMillis = intArg(args, "--spread-ms", 1000);
        // Today's default unless given: at 10,000 nodes a node then holds 1,000 of the DNS answer's addresses.
        int maxKnown = intArg(args, "--max-known", io.peermesh.node.config.NodeConfig.builder().build().maxKnownAddresses());
        QUIET.setLevel(Level.SEVERE); // a 1,000-node run would log 1.5 million lines
        Report r = run(nodes, seconds, maxPeers, maxKnown, seed, Duration.ofMillis(spreadMillis));
        System.out.println(r);
    }

    public record Report(int nodes, int maxPeers, long seed, int virtualSeconds, double wallSeconds, long events,
            double readyAllAtSeconds, int minPeers, double meanPeers, int maxPeersSeen, int minKnown, double meanKnown,
            long pairsNeverKnown, long nodesKnownByNone, long traceHash) {
        @Override
        public String toString() {
            return String.format("nodes %d, max-peers %d, seed %d: %d virtual s in %.1f wall s (%.1f virtual s per wall s),"
                    + " %d events (%.0f per wall s)%n  every node ready at %s; peers per node min %d / mean %.1f / max %d;"
                    + " addresses known per node min %d / mean %.1f; pairs where neither knows the other's address: %d;"
                    + " nodes whose address no other node holds: %d%n"
                    + "  trace %016x (replay: --seed %d)",
                    nodes, maxPeers, seed, virtualSeconds, wallSeconds, virtualSeconds / wallSeconds, events,
                    events / wallSeconds, readyAllAtSeconds < 0 ? "never" : String.format("%.1f s", readyAllAtSeconds),
                    minPeers, meanPeers, maxPeersSeen, minKnown, meanKnown, pairsNeverKnown, nodesKnownByNone, traceHash, seed);
        }
    }

    public static Report run(int n, int seconds, int maxPeers, int maxKnown, long seed, Duration spread) {
        long wall = System.nanoTime();
        SimCluster c = new SimCluster(seed);
        // Caps sized for the run: a full mesh of 1,000 needs 999 inbound slots, more than the default 256.
        int inbound = Math.max(io.peermesh.node.config.LimitsConfig.DEFAULTS.maxInbound(), maxPeers + 10);
        c.startAll(n, spread, b -> b.maxPeers(maxPeers).maxKnownAddresses(maxKnown)
                .limits(io.peermesh.node.config.LimitsConfig.DEFAULTS.withInbound(inbound, 32).withPendingHandshakes(Math.max(64, maxPeers))));
        double readyAt = -1;
        for (int s = 1; s <= seconds; s++) {
            c.sim().runFor(Duration.ofSeconds(1));
            if (readyAt < 0 && c.running().size() == n && c.allReady()) {
                readyAt = s;
            }
        }
        double wallSeconds = (System.nanoTime() - wall) / 1e9;
        int[] peers = c.nodes().stream().mapToInt(SimNode::peerCount).toArray();
        int[] known = c.nodes().stream().mapToInt(x -> x.node().knownAddresses()).toArray();
        long[] knowledge = knowledge(c);
        return new Report(n, maxPeers, seed, seconds, wallSeconds, c.sim().eventsExecuted(), readyAt,
                Arrays.stream(peers).min().orElse(0), Arrays.stream(peers).average().orElse(0),
                Arrays.stream(peers).max().orElse(0), Arrays.stream(known).min().orElse(0),
                Arrays.stream(known).average().orElse(0), knowledge[0], knowledge[1], c.sim().traceHash());
    }

    /**
     * Who could ever find whom: a node knows an address if it is one of its dial targets or a
     * peer's listen address. Counts the pairs of nodes where neither knows the other's address: one
     * bit set per node (10,000 nodes: 12.5 MB, 10^8 pairs in well under a second). Returns that
     * count and the number of nodes whose address no other node holds.
     */
    static long[] knowledge(SimCluster c) {
        List<SimNode> all = c.nodes();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            index.put(all.get(i).address().toString(), i);
        }
        BitSet[] knows = new BitSet[all.size()];
        for (int i = 0; i < all.size(); i++) {
            SimNode x = all.get(i);
            BitSet k = knows[i] = new BitSet(all.size());
            for (var t : x.node().targetsNow()) {
                Integer j = index.get(t.address());
                if (j != null) {
                    k.set(j);
                }
            }
            for (PeerView p : x.peers()) {
                Integer j = p.listenAddress() == null ? null : index.get(p.listenAddress());
                if (j != null) {
                    k.set(j);
                }
            }
        }
        long never = 0;
        BitSet knownBySomeone = new BitSet(all.size());
        for (BitSet k : knows) {
            knownBySomeone.or(k);
        }
        for (int a = 0; a < all.size(); a++) {
            for (int b = a + 1; b < all.size(); b++) {
                if (!knows[a].get(b) && !knows[b].get(a)) {
                    never++;
                }
            }
        }
        return new long[] {never, all.size() - knownBySomeone.cardinality()};
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }

    private SimMain() {
    }
}
