package io.peermesh.bench;

import io.peermesh.bench.rivals.HazelcastMember;
import io.peermesh.bench.rivals.JGroupsMember;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Section "process" (issue #15): peermesh against JGroups 5.5 and Hazelcast 5.7, every member a
 * process of its own on loopback, one system at a time in the same run, through the same scenarios:
 * start to ready/joined with one member running, N launched at once, seed first then N-1 at once,
 * idle CPU and resident memory with N-1 peers, a SIGSTOPped member dropped by all others and, after
 * SIGCONT, back in every view. peermesh runs as the README runs it ({@link MeshProcess}); each
 * competitor member is a main of ours ({@code io.peermesh.bench.rivals}) with the library's defaults
 * except what the join on loopback needs, and a "tuned" variant with failure detection at 2 s / 6 s
 * like peermesh's ping interval and timeout (the mains' comments say what each sets).
 *
 * <p>Times come from the members' own view changes: the timestamps the competitors print, and the
 * polls of each node's /peers for peermesh (every 100 ms, so its figures can be up to ~0.1 s late;
 * never polled during the idle-CPU window). CPU from /proc/PID/stat, memory from VmRSS. Every bound
 * is fixed ({@link #bounds}); a condition not met within it prints "never". Every process is one the
 * section started, stopped by its PID (a shutdown hook kills what is left should the bench die).
 */
final class ProcessBench {

    /** How one system starts its member {@code name} on {@code port}, configured with the seed's port. */
    interface Launcher {
        ProcMember launch(String name, int port, int seedPort, Path log) throws IOException;
    }

    private final Opts opts;
    private final Report report;
    private final Path dir;
    private final int n;
    private final int starts;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(200)).build();
    /** Every process this section started and has not yet seen exit; the shutdown hook's list. */
    private final List<ProcMember> live = new CopyOnWriteArrayList<>();
    private final Map<String, Object> data = new LinkedHashMap<>();

    // Bounds (quick, full). Defaults need them long: Hazelcast drops a silent member after 60 s, and
    // merges a split only after 300 s, so "never" is a result, not a failure.
    private final Duration joinBound = Duration.ofSeconds(60);
    private final Duration allAtOnceBound;
    private final Duration seedThenBound;
    private final Duration droppedBound;
    private final Duration backBound;
    private final long settleSeconds;
    private final long windowSeconds;

    ProcessBench(Opts opts, Report report) {
        this.opts = opts;
        this.report = report;
        this.dir = opts.out.resolve("process");
        this.n = opts.processMembers;
        this.starts = opts.pick(1, 3);
        // quick mode (CI) keeps the section to about three minutes: 4 members, the tuned competitors only
        this.allAtOnceBound = Duration.ofSeconds(opts.pick(30, 180));
        this.seedThenBound = Duration.ofSeconds(opts.pick(30, 120));
        this.droppedBound = Duration.ofSeconds(opts.pick(30, 120));
        this.backBound = Duration.ofSeconds(opts.pick(20, 90));
        this.settleSeconds = opts.pick(3, 10);
        this.windowSeconds = opts.pick(10, 30);
    }

    private Map<String, Object> bounds() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("joinSeconds", joinBound.toSeconds());
        m.put("allAtOnceSeconds", allAtOnceBound.toSeconds());
        m.put("seedThenSeconds", seedThenBound.toSeconds());
        m.put("droppedSeconds", droppedBound.toSeconds());
        m.put("backSeconds", backBound.toSeconds());
        m.put("settleSeconds", settleSeconds);
        m.put("idleWindowSeconds", windowSeconds);
        return m;
    }

    private Map<String, Launcher> launchers() throws Exception {
        Map<String, Launcher> m = new LinkedHashMap<>();
        m.put("peermesh", (name, port, seed, log) -> new MeshProcess(name, opts.jar, port, seed, http, log));
        String jgroups = location(JGroupsMember.class) + File.pathSeparator + location(org.jgroups.JChannel.class);
        String hazelcast = location(HazelcastMember.class) + File.pathSeparator + location(com.hazelcast.core.Hazelcast.class);
        for (String variant : List.of("default", "tuned")) {
            String suffix = variant.equals("tuned") ? "-tuned" : "";
            String cluster = "procbench-" + Long.toHexString(ThreadLocalRandom.current().nextLong()); // no one else's cluster
            m.put("jgroups" + suffix, (name, port, seed, log) -> new RivalProcess(name, jgroups, JGroupsMember.class.getName(),
                    List.of(name, Integer.toString(port), Integer.toString(seed), cluster, variant), log));
            m.put("hazelcast" + suffix, (name, port, seed, log) -> new RivalProcess(name, hazelcast,
                    HazelcastMember.class.getName(), List.of(Integer.toString(port), Integer.toString(seed), cluster, variant), log));
        }
        return m;
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    void run() throws Exception {
        if (!Files.isRegularFile(opts.jar)) {
            report.failed("8", "process section", "", "no " + opts.jar + ": run ./mvnw package first");
            return;
        }
        Files.createDirectories(dir);
        Map<String, Launcher> launchers = launchers();
        for (String s : opts.processSystems) {
            if (!launchers.containsKey(s)) {
                throw new IllegalArgumentException("bench.process.systems: unknown system " + s + ", known: " + launchers.keySet());
            }
        }
        waitForQuiet();
        Thread hook = new Thread(() -> live.forEach(m -> m.process().destroyForcibly()), "process-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<String, ProcTable.Figures> figures = new LinkedHashMap<>();
        Map<String, Object> raw = new LinkedHashMap<>();
        try {
            for (String s : opts.processSystems) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("loadBefore", LoadAverage.text());
                System.out.printf("  -- %s, %d members (load average %s)%n", ProcTable.SYSTEMS.get(s), n, LoadAverage.text());
                long t0 = System.nanoTime();
                ProcTable.Figures f = system(s, launchers.get(s), r);
                figures.put(s, f);
                print(f);
                r.put("loadAfter", LoadAverage.text());
                r.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
                raw.put(s, r);
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        String table = ProcTable.markdown(figures, n, starts);
        List<String> skipped = ProcTable.SYSTEMS.keySet().stream().filter(s -> !figures.containsKey(s)).toList();
        String notes = notes(skipped);
        report.tables.put("Process level, " + n + " members on loopback, one system at a time (section process):", table + "\n" + notes);
        data.put("members", n);
        data.put("startsMeasured", starts);
        data.put("bounds", bounds());
        data.put("peermeshCommand", "java " + String.join(" ", StartBench.DEPLOYED_FLAGS)
                + " " + String.join(" ", StartBench.nodeProperties("127.0.0.1:<seed>", 0, 0)).replace("=0", "=<free>")
                + " -jar quarkus-run.jar (in target/quarkus-app)");
        data.put("competitorCommand", "java -cp <test-classes>:<library jar> io.peermesh.bench.rivals.{JGroups,Hazelcast}Member ...");
        data.put("systems", raw);
        data.put("table", table);
        report.section("process", data);
        ProcTargets.rows(report, figures.get("peermesh"), n, starts);
        System.out.println(table);
        System.out.println(notes);
    }

    private String notes(List<String> skipped) {
        StringBuilder b = new StringBuilder();
        b.append("Ratios: competitor / peermesh from the same run (above 1: more time, CPU or memory than peermesh). ")
                .append("peermesh runs as the README runs it (java -XX:SharedArchiveFile=app-cds.jsa -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmn8m -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -jar ")
                .append("quarkus-run.jar); each competitor member is a main of ours with plain `java -cp` and no JVM flags ")
                .append("(the JDK's default collector, G1 here). Tuned: JGroups FD_ALL3 interval 2 s / timeout 6 s, Hazelcast ")
                .append("heartbeat 2 s / max no heartbeat 6 s. Bounds: ").append(allAtOnceBound.toSeconds()).append(" s (all at once), ")
                .append(seedThenBound.toSeconds()).append(" s (seed first), ").append(droppedBound.toSeconds()).append(" s (dropped), ")
                .append(backBound.toSeconds()).append(" s (back); idle CPU over ").append(windowSeconds).append(" s, ")
                .append(settleSeconds).append(" s after the mesh formed.");
        if (!skipped.isEmpty()) {
            b.append(" Not run: ").append(String.join(", ", skipped.stream().map(ProcTable.SYSTEMS::get).toList()))
                    .append(opts.quick ? " (quick mode runs peermesh and the tuned competitors only, with " + n
                            + " members: the defaults take 40-60 s to drop a stopped member; the full benchmark runs all five)"
                            : " (-Dbench.process.systems)").append('.');
        }
        return b.append('\n').toString();
    }

    /** Every scenario for one system; the processes of each are gone before the next starts. */
    private ProcTable.Figures system(String key, Launcher launcher, Map<String, Object> raw) throws Exception {
        ProcTable.Figures f = new ProcTable.Figures();
        start(key, launcher, f, raw);
        List<ProcMember> once = launchAll(key + "-once", launcher, 0);
        try {
            Wait w = until(once, v -> v.ids().size() == n, launchedMillis, allAtOnceBound);
            f.allAtOnce = w.seconds();
            f.why.put("allAtOnce", w.never());
            raw.put("allAtOnce", w.map());
        } finally {
            stop(once);
        }
        List<ProcMember> mesh = launchAll(key + "-seeded", launcher, 1);
        try {
            Wait w = until(mesh, v -> v.ids().size() == n, launchedMillis, seedThenBound);
            f.seedThen = w.seconds();
            f.why.put("seedThen", w.never());
            raw.put("seedThen", w.map());
            if (Double.isNaN(w.seconds())) {
                f.why.put("idle", "not measured: no full mesh");
                f.why.put("rss", "not measured: no full mesh");
                f.why.put("dropped", "not measured: no full mesh");
                f.why.put("back", "not measured: no full mesh");
                return f;
            }
            idle(mesh, f, raw);
            stopAndContinue(mesh, f, raw);
        } finally {
            stop(mesh);
        }
        return f;
    }

    private void print(ProcTable.Figures f) {
        System.out.printf("     start %s s / %s CPU-s, %d at once %s, seed first %s, idle %s %%, RSS %s MiB, dropped %s, back %s%n",
                Stats.fmt(f.startWallMedian()), Stats.fmt(f.startCpuMedian()), n, text(f.allAtOnce, f.why.get("allAtOnce")),
                text(f.seedThen, f.why.get("seedThen")), Stats.fmt(f.idlePercent), Stats.fmt(f.rssMiB),
                text(f.dropped, f.why.get("dropped")), text(f.back, f.why.get("back")));
    }

    private static String text(double v, String why) {
        return Double.isNaN(v) ? String.valueOf(why) : Stats.fmt(v) + " s";
    }

    /** One seed running; a member started and stopped {@code starts} times (after one unmeasured start in the full run). */
    private void start(String key, Launcher launcher, ProcTable.Figures f, Map<String, Object> raw) throws Exception {
        int seedPort = StartBench.freePort();
        ProcMember seed = launch(launcher, "seed", seedPort, seedPort, key + "-start-seed");
        List<Map<String, Object>> runs = new ArrayList<>();
        try {
            seed.awaitUp(joinBound);
            int warmUps = opts.pick(0, 1); // the first start reads the jars from disk; not counted
            for (int i = 0; i < warmUps + starts; i++) {
                ProcMember m = launch(launcher, "start" + i, StartBench.freePort(), seedPort, key + "-start-" + i);
                ProcMember.Joined j;
                try {
                    j = m.awaitJoined(joinBound);
                } finally {
                    stop(List.of(m));
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("counted", i >= warmUps);
                r.put("wallSeconds", j == null ? null : j.wallSeconds());
                r.put("cpuSeconds", j == null ? null : j.cpuSeconds());
                runs.add(r);
                if (j == null) {
                    f.why.put("start", "not joined within " + joinBound.toSeconds() + " s");
                } else if (i >= warmUps) {
                    f.startWall.add(j.wallSeconds());
                    f.startCpu.add(j.cpuSeconds());
                }
                // the seed forgets the member before the next start (a leave is immediate in all three)
                until(List.of(seed), v -> v.ids().size() == 1, System.currentTimeMillis(), Duration.ofSeconds(30));
            }
        } finally {
            stop(List.of(seed));
            raw.put("starts", runs);
        }
    }

    private long launchedMillis;

    /** {@code n} members, all configured with member 0 as seed; the first {@code seedsFirst} are up before the rest start. */
    private List<ProcMember> launchAll(String prefix, Launcher launcher, int seedsFirst) throws Exception {
        List<ProcMember> ms = new ArrayList<>();
        int seedPort = StartBench.freePort();
        try {
            for (int i = 0; i < n; i++) {
                if (i == seedsFirst) {
                    launchedMillis = System.currentTimeMillis();
                }
                ms.add(launch(launcher, "m" + i, i == 0 ? seedPort : StartBench.freePort(), seedPort, prefix + "-m" + i));
                if (i < seedsFirst) {
                    ms.get(i).awaitUp(joinBound);
                }
            }
        } catch (Exception | Error e) {
            stop(ms);
            throw e;
        }
        return ms;
    }

    /** Idle CPU over a fixed window, from /proc, and VmRSS at its end; no poll of any member meanwhile. */
    private void idle(List<ProcMember> mesh, ProcTable.Figures f, Map<String, Object> raw) throws Exception {
        Thread.sleep(settleSeconds * 1000);
        double[] cpu0 = mesh.stream().mapToDouble(ProcMember::cpuSeconds).toArray();
        long t0 = System.nanoTime();
        Thread.sleep(windowSeconds * 1000);
        double wall = (System.nanoTime() - t0) / 1e9;
        double[] percent = new double[mesh.size()];
        double[] rss = new double[mesh.size()];
        for (int i = 0; i < mesh.size(); i++) {
            percent[i] = (mesh.get(i).cpuSeconds() - cpu0[i]) / wall * 100;
            rss[i] = mesh.get(i).rssKiB() / 1024.0;
        }
        f.idlePercent = Stats.median(percent);
        f.rssMiB = Stats.median(rss);
        Wait still = until(mesh, v -> v.ids().size() == n, System.currentTimeMillis(), Duration.ofSeconds(5));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("windowSeconds", wall);
        m.put("cpuPercentOfACorePerMember", percent);
        m.put("rssMiBPerMember", rss);
        m.put("stillFullMeshAfterWindow", !Double.isNaN(still.seconds()));
        raw.put("idle", m);
    }

    /** SIGSTOP one member (not the seed) until all others dropped it, then SIGCONT until it is back in every view. */
    private void stopAndContinue(List<ProcMember> mesh, ProcTable.Figures f, Map<String, Object> raw) throws Exception {
        ProcMember victim = mesh.get(n / 2);
        String id = victim.id();
        List<ProcMember> others = mesh.stream().filter(m -> m != victim).toList();
        long stoppedAt = System.currentTimeMillis();
        victim.pause(true);
        Wait dropped = until(others, v -> !v.ids().contains(id), stoppedAt, droppedBound);
        long continuedAt = System.currentTimeMillis();
        victim.pause(false);
        f.dropped = dropped.seconds();
        f.why.put("dropped", dropped.never());
        raw.put("dropped", dropped.map());
        if (Double.isNaN(dropped.seconds())) {
            f.why.put("back", "n/a: never dropped");
            return;
        }
        Wait back = until(mesh, v -> v.ids().size() == n && v.ids().contains(id), continuedAt, backBound);
        f.back = back.seconds();
        f.why.put("back", back.never());
        raw.put("back", back.map());
    }

    /** How a wait ended: seconds from the event to the last view change that met the condition, or NaN. */
    private record Wait(double seconds, long met, int of, Duration bound) {
        String never() {
            return "never (> " + bound.toSeconds() + " s; " + met + " of " + of + ")";
        }

        Map<String, Object> map() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", Double.isNaN(seconds) ? null : seconds);
            m.put("membersMeetingIt", met);
            m.put("of", of);
            m.put("boundSeconds", bound.toSeconds());
            return m;
        }
    }

    /** Polls until every member of {@code check} has a view that is {@code ok}, at most {@code bound}. */
    private Wait until(List<ProcMember> check, Predicate<ProcMember.View> ok, long eventMillis, Duration bound)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            CompletableFuture.allOf(check.stream().filter(m -> !m.paused()).map(ProcMember::refresh)
                    .toArray(CompletableFuture[]::new)).join();
            long met = check.stream().filter(m -> ok.test(m.view())).count();
            if (met == check.size()) {
                long last = check.stream().mapToLong(m -> m.view().sinceMillis()).max().orElse(eventMillis);
                return new Wait(Math.max(0, last - eventMillis) / 1000.0, met, check.size(), bound);
            }
            if (System.nanoTime() > deadline) {
                return new Wait(Double.NaN, met, check.size(), bound);
            }
            Thread.sleep(100);
        }
    }

    private ProcMember launch(Launcher launcher, String name, int port, int seedPort, String log) throws IOException {
        ProcMember m = launcher.launch(name, port, seedPort, dir.resolve(log + ".log"));
        live.add(m);
        return m;
    }

    private void stop(List<ProcMember> ms) throws InterruptedException {
        ProcMember.stopAll(ms);
        live.removeAll(ms);
    }

    /** Waits (up to 10 minutes) for the 1-minute load average to fall below {@code bench.process.quietLoad}. */
    private void waitForQuiet() throws InterruptedException {
        double limit = opts.processQuietLoad;
        double waited = LoadAverage.awaitBelow(limit, Duration.ofMinutes(10));
        data.put("quietLoadWanted", limit);
        data.put("waitedForQuietSeconds", Math.round(waited));
        data.put("loadAtStart", LoadAverage.text());
        System.out.printf("  load average %s%s%n", LoadAverage.text(), limit <= 0 ? " (no wait for a quiet machine: quick mode, or bench.process.quietLoad=0)"
                : String.format(" after waiting %.0f s for the 1-minute load below %.1f%s", waited, limit,
                        LoadAverage.oneMinute() < limit ? "" : " (not reached: measured anyway)"));
    }
}
