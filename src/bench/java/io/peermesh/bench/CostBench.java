package io.peermesh.bench;

import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Section 5a/5b: heap per idle peer connection, and the CPU a node with 100 peers uses at the
 * default 2 s ping interval. Raw peers live in a child JVM ({@link RawSwarm}) so that only the
 * node's side is counted; the 101-node mesh variant runs every node in this JVM and divides.
 */
final class CostBench {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;
    private final Map<String, Object> data = new LinkedHashMap<>();

    CostBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    void run() throws Exception {
        try {
            heapPerConnection(500);
        } catch (Exception e) {
            e.printStackTrace();
            report.failed("5a", "heap per idle peer connection", "<= 32 KiB", "failed: " + e.getMessage());
        }
        long window = opts.pick(8, 20);
        Cpu idleCpu = null;
        try {
            idleCpu = cpuIdleBaseline(window);
        } catch (Exception e) {
            e.printStackTrace();
        }
        // The mesh first: its 5,050 ping round trips per second also get the ping path JIT-compiled, so
        // that the single node below is measured in steady state rather than while C2 compiles it.
        try {
            if (opts.quick) {
                report.info("5b2", "CPU per node, 101-node full mesh in this JVM", Double.NaN, "% of a core", "skipped",
                        "quick mode: the full run measures it");
            } else {
                cpuMesh(101, window, idleCpu);
            }
        } catch (Exception e) {
            e.printStackTrace();
            report.failed("5b2", "CPU per node, 101-node full mesh in this JVM", "< 2% of a core", "failed: " + e.getMessage());
        }
        try {
            cpuNodeWithRawPeers(100, window, idleCpu);
        } catch (Exception e) {
            e.printStackTrace();
            report.failed("5b", "CPU of a node with 100 peers (raw peers in a child JVM)", "< 2% of a core",
                    "failed: " + e.getMessage());
        }
        report.section("cost", data);
    }

    // ---------------------------------------------------------------- heap

    private void heapPerConnection(int connections) throws Exception {
        NodeConfig cfg = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).maxPeers(connections + 100)
                .maxKnownAddresses(Math.max(1000, connections + 100)).build();
        PeerNode node = Loops.await(PeerNode.deploy(vertx, cfg, NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(10));
        Loops.sleep(500);
        long heap0 = usedHeapAfterGc();
        long direct0 = nettyDirect();
        long t0 = System.nanoTime();
        Map<String, Object> m = new LinkedHashMap<>();
        try (Child swarm = Child.start("swarm-heap", RawSwarm.class, List.of("-Xmx512m"),
                List.of("127.0.0.1", String.valueOf(node.port()), String.valueOf(connections), "0"),
                opts.out.resolve("swarm-heap.log"))) {
            swarm.await(l -> l.startsWith("READY"), Duration.ofSeconds(120));
            waitFor(() -> node.peerCount() == connections, Duration.ofSeconds(30));
            double connectSecs = (System.nanoTime() - t0) / 1e9;
            // Idle: a few ping rounds at the default 2 s, so that every connection saw pings and pongs.
            Loops.sleep(opts.pick(4_500, 6_500));
            long heapN = usedHeapAfterGc();
            long directN = nettyDirect();
            int peersAtMeasure = node.peerCount();
            swarm.close();
            waitFor(() -> node.peerCount() == 0, Duration.ofSeconds(30));
            Loops.sleep(500);
            long heapAfter = usedHeapAfterGc();
            double perConn = (double) (heapN - heap0) / peersAtMeasure;
            m.put("connections", peersAtMeasure);
            m.put("connectAndHandshakeSeconds", connectSecs);
            m.put("usedHeapAfterGcNoConnections", heap0);
            m.put("usedHeapAfterGcWithConnections", heapN);
            m.put("usedHeapAfterGcAfterClosing", heapAfter);
            m.put("heapBytesPerConnection", perConn);
            m.put("directBufferBytesNoConnections", direct0);
            m.put("directBufferBytesWithConnections", directN);
            data.put("heapPerConnection", m);
            report.target("5a", "heap per idle peer connection (" + peersAtMeasure + " raw peers, node side)", perConn / 1024.0,
                    "KiB", String.format("%.1f KiB (%.1f MiB for %d; after closing %+.1f MiB)", perConn / 1024.0,
                            (heapN - heap0) / 1048576.0, peersAtMeasure, (heapAfter - heap0) / 1048576.0),
                    Report.Goal.AT_MOST, 32, "<= 32 KiB",
                    "used heap after System.gc(), " + peersAtMeasure + " vs 0 connections; peers in a child JVM; direct buffers "
                            + String.format("%+.1f MiB", (directN - direct0) / 1048576.0));
        } finally {
            Loops.await(node.close(), Duration.ofSeconds(30));
        }
    }

    static long usedHeapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Loops.sleep(150);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Direct buffers (java.nio "direct" pool, which Netty's pooled allocator draws from here). */
    private static long nettyDirect() {
        return ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed).sum();
    }

    // ---------------------------------------------------------------- CPU

    /** JVM CPU while one node sits alone (the baseline both CPU figures subtract). */
    private Cpu cpuIdleBaseline(long windowSeconds) {
        NodeConfig cfg = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).build();
        PeerNode node = Loops.await(PeerNode.deploy(vertx, cfg, NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(10));
        try {
            Loops.sleep(2000);
            Cpu c = cpuShare(windowSeconds);
            data.put("cpuIdle", c.map());
            report.info("5b0", "CPU baseline: this JVM, one node with 0 peers", c.share() * 100, "% of a core",
                    String.format("%.2f%% of a core (Vert.x threads %.2f%%)", c.share() * 100, c.vertxShare() * 100),
                    "over " + windowSeconds + " s; subtracted below");
            return c;
        } finally {
            Loops.await(node.close(), Duration.ofSeconds(10));
        }
    }

    /**
     * CPU over a window as a share of one core: the whole process, and the Vert.x threads alone
     * (event loops: the nodes' own work, without JIT compilation, GC and other JVM threads).
     */
    record Cpu(double share, double vertxShare, Map<String, Double> byThreadGroup, Map<String, Double> topThreads,
            Map<String, Double> byOsThread, long allocatedBytes, long gcCount, long gcMillis, double seconds) {
        double jit() {
            return byOsThread.getOrDefault("JIT compiler", 0.0);
        }

        Map<String, Object> map() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("windowSeconds", seconds);
            m.put("processShareOfOneCore", share);
            m.put("vertxThreadsShareOfOneCore", vertxShare);
            m.put("javaThreadsShareByGroup", byThreadGroup);
            m.put("topJavaThreadsShare", topThreads);
            m.put("allThreadsShareFromProc", byOsThread);
            m.put("allocatedBytesPerSecond", allocatedBytes / seconds);
            m.put("gcCount", gcCount);
            m.put("gcMillis", gcMillis);
            return m;
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** CPU nanoseconds per live Java thread, by id, with names. */
    private static Map<Long, Object[]> threadCpu() {
        long[] ids = THREADS.getAllThreadIds();
        long[] cpu = THREADS.getThreadCpuTime(ids);
        java.lang.management.ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        Map<Long, Object[]> m = new java.util.HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (cpu[i] >= 0 && infos[i] != null) {
                m.put(ids[i], new Object[] {infos[i].getThreadName(), cpu[i]});
            }
        }
        return m;
    }

    private static String group(String thread) {
        if (thread.startsWith("vert.x-eventloop")) {
            return "vert.x event loops";
        }
        if (thread.startsWith("vert.x-")) {
            return "other vert.x";
        }
        return "other Java threads";
    }

    /** Windows tried before giving up on a JIT-quiet one. */
    private static final int MAX_WINDOWS = 3;
    /** A window counts as steady when the JIT compilers used less than this share of a core in it. */
    private static final double JIT_QUIET = 0.0025;

    /**
     * Like {@link #cpuShare} but in the steady state: windows are repeated (up to {@value #MAX_WINDOWS})
     * until one in which the JIT compilers were quiet, since at 200 messages a second C2 takes a
     * minute or more to get to the ping path and would otherwise be counted as the node's cost.
     */
    private Cpu steadyCpuShare(long windowSeconds) {
        Cpu c = null;
        for (int i = 0; i < MAX_WINDOWS; i++) {
            c = cpuShare(windowSeconds);
            windowsTried = i + 1;
            if (c.byOsThread().isEmpty() || c.jit() < JIT_QUIET) {
                break;
            }
        }
        return c;
    }

    private int windowsTried;

    /** This process's CPU over a window, as a share of one core; plus allocation and GC in it. */
    private static Cpu cpuShare(long windowSeconds) {
        long gc0 = gcCount();
        long gcMs0 = gcMillis();
        Alloc alloc = Alloc.start();
        Map<Long, Object[]> threads0 = threadCpu();
        Map<String, long[]> proc0 = ProcThreads.snapshot();
        long cpu0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        Loops.sleep(windowSeconds * 1000);
        long cpu = OS.getProcessCpuTime() - cpu0;
        long wall = System.nanoTime() - t0;
        Map<Long, Object[]> threads1 = threadCpu();
        Map<String, Double> byOsThread = ProcThreads.delta(proc0, ProcThreads.snapshot(), wall / 1e9);
        Map<String, Double> groups = new java.util.TreeMap<>();
        for (Map.Entry<Long, Object[]> e : threads1.entrySet()) {
            Object[] before = threads0.get(e.getKey());
            long d = (long) e.getValue()[1] - (before == null ? 0 : (long) before[1]);
            groups.merge(group((String) e.getValue()[0]), (double) d / wall, Double::sum);
        }
        double vertx = groups.getOrDefault("vert.x event loops", 0.0) + groups.getOrDefault("other vert.x", 0.0);
        Map<String, Double> top = new java.util.LinkedHashMap<>();
        threads1.entrySet().stream()
                .map(e -> Map.entry((String) e.getValue()[0],
                        (double) ((long) e.getValue()[1] - (threads0.containsKey(e.getKey()) ? (long) threads0.get(e.getKey())[1] : 0)) / wall))
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(6)
                .forEach(e -> top.merge(e.getKey(), e.getValue(), Double::sum));

        groups.put("JIT, GC and other VM threads (process minus Java threads)",
                (double) cpu / wall - groups.values().stream().mapToDouble(Double::doubleValue).sum());
        return new Cpu((double) cpu / wall, vertx, groups, top, byOsThread, alloc.bytes(), gcCount() - gc0, gcMillis() - gcMs0,
                wall / 1e9);
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    /** One node in this JVM, its 100 peers raw in a child JVM, pinging it every 2 s as it pings them. */
    private void cpuNodeWithRawPeers(int peers, long windowSeconds, Cpu idleCpu) throws Exception {
        double idle = idleCpu == null ? 0 : idleCpu.share();
        double idleVertx = idleCpu == null ? 0 : idleCpu.vertxShare();
        NodeConfig cfg = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).maxPeers(peers + 28).build(); // 2 s / 6 s
        PeerNode node = Loops.await(PeerNode.deploy(vertx, cfg, NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(10));
        try (Child swarm = Child.start("swarm-cpu", RawSwarm.class, List.of("-Xmx256m"),
                List.of("127.0.0.1", String.valueOf(node.port()), String.valueOf(peers), "2000"),
                opts.out.resolve("swarm-cpu.log"))) {
            swarm.await(l -> l.startsWith("READY"), Duration.ofSeconds(60));
            waitFor(() -> node.peerCount() == peers, Duration.ofSeconds(30));
            Loops.sleep(5_000);
            Cpu c = steadyCpuShare(windowSeconds);
            int after = node.peerCount();
            double node100 = c.share() - idle;
            double loops100 = c.vertxShare() - idleVertx;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peers", after);
            m.putAll(c.map());
            m.put("idleBaselineShare", idle);
            m.put("nodeShareOfOneCore", node100);
            m.put("nodeEventLoopShareOfOneCore", loops100);
            m.put("windowsTriedForAJitQuietOne", windowsTried);
            m.put("messagesPerSecond", peers / 2.0 * 4); // ping out, pong in, ping in, pong out per peer per 2 s
            data.put("cpuNodeWithRawPeers", m);
            report.target("5b", "CPU of a node with " + after + " peers, default 2 s pings (peers raw, in a child JVM)",
                    node100 * 100, "% of a core", String.format("%.2f%% of a core", node100 * 100),
                    Report.Goal.AT_MOST, 2.0, "< 2% of a core",
                    String.format("JVM %.2f%% minus idle %.2f%% over %.0f s (event-loop threads alone: %.2f%%; JIT compilers %.2f%%, "
                            + "window %d of at most %d waiting for the JIT to settle); the node sends 50 pings/s and answers 50",
                            c.share() * 100, idle * 100, c.seconds(), loops100 * 100, c.jit() * 100, windowsTried, MAX_WINDOWS));
        } finally {
            Loops.await(node.close(), Duration.ofSeconds(30));
        }
    }

    /** N nodes in a full mesh in this JVM: every node does the same work, so one node's share is the total / N. */
    private void cpuMesh(int n, long windowSeconds, Cpu idleCpu) throws Exception {
        double idle = idleCpu == null ? 0 : idleCpu.share();
        List<PeerNode> nodes = new ArrayList<>();
        NodeConfig.Builder b = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).maxPeers(n + 27)
                .maxKnownAddresses(Math.max(1000, 2 * n));
        PeerNode seed = Loops.await(PeerNode.deploy(vertx, b.build(), NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(10));
        nodes.add(seed);
        try {
            // Built gradually (10 nodes every 500 ms): this measures the steady state, not convergence,
            // and a burst start would only add churn on a busy machine before it settles.
            NodeConfig joiner = b.bootstrap(List.of(seed.advertised())).build();
            for (int i = 1; i < n; i++) {
                nodes.add(Loops.await(PeerNode.deploy(vertx, joiner, NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(30)));
                if (i % 10 == 0) {
                    Loops.sleep(500);
                }
            }
            boolean fullBefore = true;
            try {
                waitFor(() -> nodes.stream().allMatch(x -> x.peerCount() == n - 1), Duration.ofSeconds(150));
            } catch (IllegalStateException e) {
                fullBefore = false; // measured anyway; the row says how many peers the nodes had
            }
            Loops.sleep(8_000); // JIT settles, first getaddr rounds pass
            Cpu c = steadyCpuShare(windowSeconds);
            int[] degrees = nodes.stream().mapToInt(PeerNode::peerCount).sorted().toArray();
            boolean stillFull = fullBefore && degrees[0] == n - 1;
            double meanPeers = java.util.Arrays.stream(degrees).average().orElse(0);
            double perNode = (c.share() - idle) / n;
            double roundTripsPerSecond = n * meanPeers / 2.0; // every node pings each of its peers every 2 s
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nodes", n);
            m.putAll(c.map());
            m.put("idleBaselineShare", idle);
            m.put("perNodeShareOfOneCore", perNode);
            m.put("stillFullMeshAtEnd", stillFull);
            m.put("peersMinMedianMax", List.of(degrees[0], degrees[n / 2], degrees[n - 1]));
            m.put("windowsTriedForAJitQuietOne", windowsTried);
            m.put("pingRoundTripsPerSecond", roundTripsPerSecond);
            m.put("allocatedBytesPerPingRoundTrip", c.allocatedBytes() / c.seconds() / roundTripsPerSecond);
            data.put("cpuMesh", m);
            report.target("5b2", "CPU per node, " + n + "-node full mesh in this JVM (total / " + n + ")", perNode * 100,
                    "% of a core", String.format("%.2f%% of a core (JVM %.1f%%)", perNode * 100, c.share() * 100),
                    Report.Goal.AT_MOST, 2.0, "< 2% of a core",
                    String.format("(JVM %.2f%% - idle %.2f%%) / %d nodes, each with %d peers; %,.0f ping round trips/s in all, "
                            + "%,.0f B allocated per round trip (both ends)%s", c.share() * 100, idle * 100, n, n - 1,
                            roundTripsPerSecond, c.allocatedBytes() / c.seconds() / roundTripsPerSecond,
                            stillFull ? "" : String.format("; NOTE: not a full mesh (peers min/median/max %d/%d/%d, "
                                    + "mean %.1f): CPU is for that many peers", degrees[0], degrees[n / 2], degrees[n - 1], meanPeers)));
        } finally {
            List<Future<Void>> closing = new ArrayList<>();
            nodes.forEach(x -> closing.add(x.close()));
            Loops.await(Future.join(closing), Duration.ofSeconds(60));
        }
    }

    static void waitFor(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("condition not met within " + timeout);
            }
            Loops.sleep(5);
        }
    }
}
