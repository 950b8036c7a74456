package io.peermesh.bench;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Section 7, broadcast: latency from publish to the last member's delivery between real nodes on
 * loopback ({@link LocalBroadcast}, rows 7a) and in the simulator at up to 10,000 members
 * ({@link SimBroadcast}, row 7c); then the app's SSE stream: events/s one client receives and what
 * a client that never reads costs ({@link SseBench}, rows 7d-7g).
 */
final class BroadcastBench {

    /** Degree bound of the simulated mesh: at 10,000 members a full mesh is neither possible (max-peers) nor needed. */
    static final int SIM_MAX_PEERS = 8;

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;

    BroadcastBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    void run() throws Exception {
        Map<String, Object> data = new LinkedHashMap<>();
        Map<String, Object> times = new LinkedHashMap<>();
        data.put("wallSeconds", times);
        report.section("broadcast", data);
        LocalBroadcast local = new LocalBroadcast(vertx);
        local.run(10, 50, 50); // JIT warm-up of publish, relay and delivery: not reported
        // Quick mode stops at 50: a broadcast in a full mesh of 100 is 9,900 link copies, ~0.3-0.5 CPU-s here.
        for (int n : opts.quick ? new int[] {10, 50} : new int[] {10, 100}) {
            long t0 = System.nanoTime();
            int count = opts.pick(100, n >= 100 ? 200 : 300);
            LocalBroadcast.Result r = local.run(n, opts.pick(10, 30), count);
            times.put("realNodes-" + n, (System.nanoTime() - t0) / 1e9);
            data.put("realNodes-" + n, LocalBroadcast.data(r));
            String id = String.format("7a-%03d", n);
            String measure = "broadcast, publish to last member's delivery, " + n + " real nodes on loopback (p50 / p99)"
                    + (opts.quick && n == 50 ? " (quick mode; full: 100)" : "");
            if (r.measured() == 0) {
                report.failed(id, measure, "—", r.problem());
                continue;
            }
            double p50 = Stats.percentile(r.sortedNanos(), 50) / 1e6;
            double p99 = Stats.percentile(r.sortedNanos(), 99) / 1e6;
            report.info(id, measure, p50, "ms", String.format("%s / %s ms (%d broadcasts)", Stats.fmt(p50), Stats.fmt(p99),
                    r.measured()), "—",
                    String.format("one JVM, %d event loops on %d cores; full mesh (max-peers %d, degree %d), so every member is one hop "
                            + "from the origin and the time is the origin writing %d copies plus every member relaying %d duplicates "
                            + "it then drops (%,d link copies per broadcast, all handled on these cores: the figure is CPU-bound, "
                            + "not network-bound); one broadcast at a time from a rotating origin, wall time from publish() to the "
                            + "last delivery listener; %.2f ms of process CPU per broadcast (pings included)%s",
                            opts.eventLoops, Runtime.getRuntime().availableProcessors(), n, n - 1, n - 1, n - 2, n * (n - 1),
                            r.cpuMillisPerBroadcast(), r.problem().isEmpty() ? "" : "; " + r.problem()));
        }
        long t0 = System.nanoTime();
        simulated(data);
        times.put("simulated", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        new SseBench(vertx, opts, report).run();
        times.put("sse", (System.nanoTime() - t0) / 1e9);
    }

    private void simulated(Map<String, Object> data) {
        int n = opts.quick ? 1_000 : 10_000;
        int count = opts.pick(50, 100);
        SimBroadcast.Result r = SimBroadcast.run(n, SIM_MAX_PEERS, count, 1, Duration.ofSeconds(opts.pick(90, 240)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("members", n);
        m.put("maxPeers", SIM_MAX_PEERS);
        m.put("linkModel", SimBroadcast.LINK_MODEL);
        m.put("connected", r.connected());
        m.put("degreeMinMeanMax", new Object[] {r.minDegree(), r.meanDegree(), r.maxDegree()});
        m.put("formVirtualSeconds", r.formVirtualSeconds());
        m.put("formWallSeconds", r.formWallSeconds());
        m.put("broadcastsMeasured", r.sortedLastNanos().length);
        m.put("notDeliveredToAllWithin5s", r.incomplete());
        m.put("publishToLastDelivery", Stats.latencyMicros(r.sortedLastNanos()));
        m.put("hopsToFarthestMember", r.sortedHops());
        m.put("broadcastWallSeconds", r.broadcastWallSeconds());
        m.put("simulatorEventsDuringBroadcasts", r.events());
        m.put("stoppedBecause", r.stoppedBecause());
        data.put("simulated-" + n, m);
        String measure = String.format("broadcast, publish to last member's delivery, %,d simulated members (p50 / p99)%s", n,
                opts.quick ? " (quick mode; full: 10,000)" : "");
        if (r.sortedLastNanos().length == 0) {
            report.failed("7c", measure, "—", "no broadcast reached every member: " + r.stoppedBecause()
                    + (r.connected() ? "" : "; the mesh was not connected"));
            return;
        }
        long[] s = r.sortedLastNanos();
        double p50 = Stats.percentile(s, 50) / 1e6;
        double p99 = Stats.percentile(s, 99) / 1e6;
        int[] h = r.sortedHops();
        report.info("7c", measure, p50, "ms (virtual)", String.format("%s / %s ms virtual (%d broadcasts)", Stats.fmt(p50),
                Stats.fmt(p99), s.length), "—",
                String.format("simulator (src/test/java/io/peermesh/sim), real protocol cores in virtual time; link model: %s; a partial "
                        + "mesh of max-peers %d (degree min %d / mean %.1f / max %d, connected: %s) formed from %d bootstrap seeds in %.0f "
                        + "virtual s; the origin's farthest member is %d hops away (median; max %d), so the figure is that path's link "
                        + "delays and says nothing about CPU; %d of %d broadcasts not everywhere within 5 s; %.1f wall s to form, %.1f for "
                        + "the broadcasts%s", SimBroadcast.LINK_MODEL, SIM_MAX_PEERS, r.minDegree(), r.meanDegree(), r.maxDegree(),
                        r.connected(), SimBroadcast.SEEDS, r.formVirtualSeconds(), h[h.length / 2], h[h.length - 1], r.incomplete(),
                        s.length + r.incomplete(), r.formWallSeconds(), r.broadcastWallSeconds(),
                        r.stoppedBecause().isEmpty() ? "" : "; stopped early: " + r.stoppedBecause()));
    }
}
