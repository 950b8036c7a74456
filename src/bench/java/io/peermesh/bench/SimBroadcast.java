package io.peermesh.bench;

import io.peermesh.broadcast.PublishResult;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.view.PeerView;
import io.peermesh.sim.SimCluster;
import io.peermesh.sim.SimNode;
import io.peermesh.sim.Simulation;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Broadcast latency in the simulator (src/test/java/io/peermesh/sim, on the bench classpath because
 * the bench profile runs with the test scope): N real protocol cores in virtual time, a partial mesh
 * of bounded degree ({@code max-peers}), formed from a few bootstrap seeds and peer exchange. Then
 * one broadcast at a time from a random member; the figure is virtual time from publish until the
 * last of the N members delivered it.
 *
 * <p>What it measures: the network model only. The simulator charges no CPU time (a node handles a
 * message in zero virtual time), so a broadcast's latency is the fastest path, in one-way link
 * delays ({@link #LINK_MODEL}), from the origin to the farthest member. It shows how the hop count
 * of flooding grows with N at a given degree, not what a loaded machine adds.
 *
 * <p>Everything runs on the calling thread (the simulation is single-threaded).
 */
final class SimBroadcast {

    /** SimNetwork's defaults, stated in the row. */
    static final String LINK_MODEL = "one-way delay 0.2 ms + exponential jitter (mean 0.05 ms) per hop, no CPU time, no loss";
    /** Bootstrap seeds every node is given (as a StatefulSet's first pods would be). */
    static final int SEEDS = 8;

    record Result(int n, int maxPeers, boolean connected, int minDegree, double meanDegree, int maxDegree,
            double formVirtualSeconds, double formWallSeconds, long[] sortedLastNanos, int incomplete,
            int[] sortedHops, double broadcastWallSeconds, long events, String stoppedBecause) {
    }

    /** Held: java.util.logging keeps loggers weakly (main only; the bench configures its own). */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.peermesh");

    private SimBroadcast() {
    }

    /**
     * Forms a mesh of {@code n} and sends {@code broadcasts} one after the other; gives up forming or
     * sending when {@code wallBudget} is spent (the result says how far it got).
     */
    static Result run(int n, int maxPeers, int broadcasts, long seed, Duration wallBudget) {
        long wall0 = System.nanoTime();
        long wallEnd = wall0 + wallBudget.toNanos();
        SimCluster c = new SimCluster(seed);
        List<HostPort> seeds = new ArrayList<>();
        for (int i = 0; i < Math.min(SEEDS, n); i++) {
            seeds.add(new HostPort(ipOf(i), SimCluster.PORT));
        }
        // No DNS: a 10,000-address answer to every node every 5 s would cost more than the broadcast.
        c.startAll(n, Duration.ofMillis(Math.max(1000, n)), b -> b.discovery(DiscoveryConfig.DEFAULTS).bootstrap(seeds)
                .maxPeers(maxPeers).maxKnownAddresses(Math.max(maxPeers, 1000)));
        Simulation sim = c.sim();
        // Formed: every node has at least min(maxPeers, 3) peers and the link graph is connected.
        double formStart = sim.nowNanos() / 1e9;
        String stopped = "";
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(c.nodes().get(i).address().toString(), i);
        }
        int[][] adj = null;
        for (int s = 1; s <= 120; s++) {
            sim.runFor(Duration.ofSeconds(1));
            if (s % 5 == 0 || s >= 20) {
                adj = links(c, index);
                int min = Arrays.stream(adj).mapToInt(a -> a.length).min().orElse(0);
                if (min >= Math.min(maxPeers, 3) && eccentricity(adj, 0) >= 0) {
                    break;
                }
            }
            if (System.nanoTime() > wallEnd) {
                stopped = "wall budget spent while forming";
                break;
            }
        }
        adj = links(c, index);
        double formVirtual = sim.nowNanos() / 1e9 - formStart;
        double formWall = (System.nanoTime() - wall0) / 1e9;
        boolean connected = eccentricity(adj, 0) >= 0;

        long[] current = {0, 0, 0}; // seq, delivered, last delivery (virtual ns)
        String[] origin = {null};
        for (SimNode node : c.nodes()) {
            node.node().broadcasts().subscribe(d -> {
                if (d.seq() == current[0] && d.origin().equals(origin[0])) {
                    current[1]++;
                    current[2] = sim.nowNanos();
                }
            });
        }
        SplittableRandom pick = new SplittableRandom(seed * 31 + 7);
        List<Long> lasts = new ArrayList<>();
        List<Integer> hops = new ArrayList<>();
        int incomplete = 0;
        long bWall0 = System.nanoTime();
        long events0 = sim.eventsExecuted();
        for (int b = 0; b < broadcasts && stopped.isEmpty(); b++) {
            int p = pick.nextInt(n);
            SimNode publisher = c.nodes().get(p);
            origin[0] = publisher.nodeId();
            current[1] = 0;
            long t0 = sim.nowNanos();
            // Set the expected seq before publishing: the origin delivers its own message inside publish.
            current[0] = -1;
            PublishResult r = publishTracked(publisher, b, current);
            if (!(r instanceof PublishResult.Published)) {
                stopped = "publish refused: " + r;
                break;
            }
            boolean all = sim.runUntil(() -> current[1] >= n, Duration.ofSeconds(5));
            if (all) {
                lasts.add(current[2] - t0);
                hops.add(eccentricity(adj, p));
            } else {
                incomplete++;
            }
            sim.runFor(Duration.ofMillis(20)); // the duplicates still in flight land before the next
            if (System.nanoTime() > wallEnd) {
                stopped = "wall budget spent after " + (b + 1) + " broadcasts";
            }
        }
        long[] sorted = lasts.stream().mapToLong(Long::longValue).sorted().toArray();
        int[] sortedHops = hops.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] deg = Arrays.stream(adj).mapToInt(a -> a.length).toArray();
        return new Result(n, maxPeers, connected, Arrays.stream(deg).min().orElse(0), Arrays.stream(deg).average().orElse(0),
                Arrays.stream(deg).max().orElse(0), formVirtual, formWall, sorted, incomplete, sortedHops,
                (System.nanoTime() - bWall0) / 1e9, sim.eventsExecuted() - events0, stopped);
    }

    /** Publishes; the seq a node will deliver is the origin's next one, known only from the result id. */
    private static PublishResult publishTracked(SimNode publisher, int b, long[] current) {
        // The origin's own delivery happens inside publish, before the seq is known: count it here.
        PublishResult r = publisher.node().broadcasts().publish("bench", "{\"b\":" + b + "}");
        if (r instanceof PublishResult.Published ok) {
            current[0] = Long.parseLong(ok.id().substring(ok.id().lastIndexOf(':') + 1));
            current[1] = 1;
            current[2] = 0;
        }
        return r;
    }

    /** The link graph now: node index to the indexes of its registered peers. */
    private static int[][] links(SimCluster c, Map<String, Integer> index) {
        int[][] adj = new int[c.nodes().size()][];
        for (int i = 0; i < adj.length; i++) {
            SimNode node = c.nodes().get(i);
            List<PeerView> peers = node.node() == null ? List.of() : node.peers(); // not started yet
            adj[i] = peers.stream().map(v -> index.get(v.listenAddress())).filter(x -> x != null).mapToInt(Integer::intValue).toArray();
        }
        return adj;
    }

    /** Hops from {@code from} to the farthest node (breadth first); -1 if some node is unreachable. */
    static int eccentricity(int[][] adj, int from) {
        int[] dist = new int[adj.length];
        Arrays.fill(dist, -1);
        dist[from] = 0;
        ArrayDeque<Integer> q = new ArrayDeque<>();
        q.add(from);
        int seen = 1;
        int far = 0;
        while (!q.isEmpty()) {
            int u = q.poll();
            for (int v : adj[u]) {
                if (dist[v] < 0) {
                    dist[v] = dist[u] + 1;
                    far = Math.max(far, dist[v]);
                    seen++;
                    q.add(v);
                }
            }
        }
        return seen == adj.length ? far : -1;
    }

    /** SimCluster's address of pod {@code i} (10.x.y.z, from 10.0.0.10). */
    private static String ipOf(int i) {
        int n = i + 10;
        return "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255);
    }

    /** For trying sizes by hand: {@code java -cp ... io.peermesh.bench.SimBroadcast <n> <maxPeers> <broadcasts>}. */
    public static void main(String[] args) {
        QUIET.setLevel(java.util.logging.Level.SEVERE);
        Result r = run(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), 1, Duration.ofMinutes(10));
        System.out.printf("n=%d deg %d/%.1f/%d connected=%s form %.1f virt s %.1f wall s; p50 %.2f ms p99 %.2f ms; hops p50 %d max %d;"
                        + " incomplete %d; %.1f wall s for %d broadcasts, %d events %s%n",
                r.n(), r.minDegree(), r.meanDegree(), r.maxDegree(), r.connected(), r.formVirtualSeconds(), r.formWallSeconds(),
                Stats.percentile(r.sortedLastNanos(), 50) / 1e6, Stats.percentile(r.sortedLastNanos(), 99) / 1e6,
                r.sortedHops().length == 0 ? -1 : r.sortedHops()[r.sortedHops().length / 2],
                r.sortedHops().length == 0 ? -1 : r.sortedHops()[r.sortedHops().length - 1], r.incomplete(),
                r.broadcastWallSeconds(), r.sortedLastNanos().length, r.events(), r.stoppedBecause());
    }
}
