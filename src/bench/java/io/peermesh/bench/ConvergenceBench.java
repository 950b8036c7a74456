package io.peermesh.bench;

import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Section 1: N nodes started at once find each other, through one seed or through a (fake) DNS
 * name listing everybody; time from the first deploy until every node has N-1 peers. A full mesh
 * of N nodes in one process needs about N^2 file descriptors (both ends of N(N-1)/2 connections
 * plus N listeners); when that exceeds ~70% of this process's limit, the nodes are split over
 * {@link MeshWorker} child JVMs on the same machine and loopback, and the row says so.
 */
final class ConvergenceBench {

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;
    private final List<Remote> workers = new ArrayList<>();
    private final long maxFds;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private LoopLag lag;

    ConvergenceBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
        long fds = 4096;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            fds = u.getMaxFileDescriptorCount();
        }
        this.maxFds = fds;
    }

    /** A MeshWorker child seen from here. */
    static final class Remote {
        final Child child;
        volatile int deployed;
        volatile int ready;
        volatile int full;
        volatile int failures;
        volatile Consumer<HostPort> onUp = a -> { };

        Remote(Child child) {
            this.child = child;
            child.listen(line -> {
                if (line.startsWith("st ")) {
                    String[] w = line.split(" ");
                    deployed = Integer.parseInt(w[1]);
                    ready = Integer.parseInt(w[2]);
                    full = Integer.parseInt(w[3]);
                    failures = Integer.parseInt(w[4]);
                } else if (line.startsWith("up ")) {
                    HostPort.parse(line.substring(3)).ifPresent(a -> onUp.accept(a));
                }
            });
        }
    }

    record Trial(boolean full, double deployedMs, double readyMs, double fullMs, String detail, int processes,
            Map<String, Long> counters, Map<String, Object> lag) {
    }

    void run() throws Exception {
        int[] ns = opts.sizes;
        int trials = opts.trials;
        Duration deadline = Duration.ofSeconds(opts.pick(30, 60));
        LocalMesh local = new LocalMesh(vertx);
        // Two 50-node meshes: every path a forming mesh takes (chunked addr answers, crossing dials)
        // is compiled before a trial is timed; a 20-node warm-up left ~2 CPU-s of JIT in the 100-node trial.
        // Then one of the largest size measured in this JVM (at most 100).
        local.warmUp(50);
        local.warmUp(Math.min(100, Arrays.stream(ns).max().orElse(50)));
        lag = new LoopLag(vertx, opts.eventLoops);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("maxFileDescriptors", maxFds);
        data.put("dnsIntervalMillis", LocalMesh.DNS_INTERVAL.toMillis());
        List<Charts.Series> series = new ArrayList<>();
        List<double[]> failedPoints = new ArrayList<>();
        try {
            for (String mode : List.of("bootstrap", "dns")) {
                boolean dns = mode.equals("dns");
                List<Map<String, Object>> rows = new ArrayList<>();
                List<double[]> points = new ArrayList<>();
                Integer failedAt = null;
                for (int n : ns) {
                    String id = (dns ? "1d-" : "1a-") + String.format("%03d", n);
                    String measure = (dns ? "DNS discovery (fake resolver, 1 s interval): " : "from one seed: ")
                            + n + " nodes to full mesh";
                    boolean isTarget = !dns && (n == 100 || n == 200);
                    double targetMs = n == 100 ? 2000 : 5000;
                    if (failedAt != null) {
                        report.failed(id, measure, isTarget ? "<= " + (long) targetMs / 1000 + " s" : "",
                                "not run: " + failedAt + " nodes already failed");
                        continue;
                    }
                    List<Trial> done = new ArrayList<>();
                    Trial failed = null;
                    for (int t = 0; t < trials && failed == null; t++) {
                        Trial r = trial(local, n, n, dns, deadline);
                        System.out.printf("   %s n=%d trial %d: %s; %.1f CPU-s, ping timeouts %d, max event-loop lag %.0f ms%n", mode, n, t,
                                r.full() ? String.format("full mesh in %.0f ms (all listening %.0f ms, all ready %.0f ms)%s",
                                        r.fullMs(), r.deployedMs(), r.readyMs(),
                                        r.processes() > 1 ? " over " + r.processes() + " JVMs" : "") : r.detail(),
                                r.counters().getOrDefault("cpuNanos", 0L) / 1e9, r.counters().getOrDefault("timeouts", 0L), (double) r.lag().get("maxEventLoopLagMillis"));
                        if (r.full()) {
                            done.add(r);
                        } else {
                            failed = r;
                        }
                    }
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("n", n);
                    row.put("mode", mode);
                    row.put("maxPeers", n);
                    row.put("trials", done.stream().map(ConvergenceBench::trialMap).toList());
                    rows.add(row);
                    String split = done.isEmpty() ? "" : done.get(0).processes() > 1
                            ? "; nodes split over " + done.get(0).processes() + " JVMs (fd limit " + maxFds + ")" : "";
                    if (failed != null) {
                        failedAt = n;
                        failedPoints.add(new double[] {n, deadline.toMillis()});
                        row.put("failed", trialMap(failed));
                        report.failed(id, measure, isTarget ? "<= " + (long) targetMs / 1000 + " s" : "",
                                "FAILED: " + failed.detail());
                        continue;
                    }
                    double[] fullMs = done.stream().mapToDouble(Trial::fullMs).toArray();
                    double med = Stats.median(fullMs);
                    points.add(new double[] {n, med, Stats.min(fullMs), Stats.max(fullMs)});
                    String result = String.format("%.0f ms (median of %d; %.0f..%.0f)", med, fullMs.length, Stats.min(fullMs),
                            Stats.max(fullMs));
                    String note = String.format("all %d listening after %.0f ms, all with >= 1 peer after %.0f ms (medians)%s; %s",
                            n, Stats.median(done.stream().mapToDouble(Trial::deployedMs).toArray()),
                            Stats.median(done.stream().mapToDouble(Trial::readyMs).toArray()), split, churn(done, n));
                    if (isTarget) {
                        report.target(id, measure, med / 1000.0, "s", result, Report.Goal.AT_MOST, targetMs / 1000.0,
                                "<= " + (long) targetMs / 1000 + " s", note);
                    } else {
                        report.info(id, measure, med, "ms", result, note);
                    }
                }
                data.put(mode, rows);
                series.add(new Charts.Series(dns ? "DNS discovery (1 s interval)" : "one seed (bootstrap)",
                        points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray(),
                        points.stream().mapToDouble(p -> p[2]).toArray(), points.stream().mapToDouble(p -> p[3]).toArray()));
            }
            // Where the time goes: one more 100-node trial from one seed under JFR (all event loops).
            int profiledN = Arrays.stream(ns).filter(x -> processes(x, x) == 1).max().orElse(0);
            if (profiledN >= 10 && !opts.quick) {
                java.nio.file.Path jfrFile = opts.out.resolve("convergence-" + profiledN + ".jfr");
                Trial[] profiled = new Trial[1];
                jdk.jfr.Recording r = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
                r.setDestination(jfrFile);
                r.start();
                try {
                    profiled[0] = trial(local, profiledN, profiledN, false, deadline);
                } finally {
                    r.stop();
                    r.close();
                }
                Map<String, Object> prof = JfrTop.analyzePrefix(jfrFile, "vert.x-eventloop");
                prof.put("trial", trialMap(profiled[0]));
                data.put("profiledTrial", prof);
                System.out.println(JfrTop.text(profiledN + " nodes from one seed, under JFR ("
                        + (profiled[0].full() ? String.format("full mesh in %.0f ms", profiled[0].fullMs()) : profiled[0].detail())
                        + ")", prof));
            }
            // What max-peers changes: the default 64 with 200 nodes (no full mesh possible).
            if (!opts.quick) {
                int n = 200;
                Trial capped = trial(local, n, 64, false, Duration.ofSeconds(opts.pick(15, 30)));
                Map<String, Object> cappedMap = trialMap(capped);
                cappedMap.put("n", n);
                cappedMap.put("maxPeers", 64);
                data.put("maxPeers64", cappedMap);
                report.info("1g", n + " nodes from one seed, default max-peers 64", capped.readyMs(), "ms",
                        capped.full() ? String.format("all at 64 peers after %.0f ms", capped.fullMs())
                                : (capped.readyMs() >= 0 ? String.format("all ready after %.0f ms; ", capped.readyMs()) : "")
                                        + capped.detail(),
                        "criterion: every node at max-peers (64); per node 64 connections instead of " + (n - 1) + "; "
                                + churn(List.of(capped), n).replace(" for the " + n * (n - 1) / 2 + " needed", ""));
            }
        } finally {
            for (Remote w : workers) {
                w.child.close();
            }
        }
        report.section("convergence", data);
        Charts.convergence(opts.out.resolve("convergence.png"), series, new double[][] {{100, 2000}, {200, 5000}},
                failedPoints.toArray(new double[0][]));
    }

    /** Per trial (mean): handshakes against the n(n-1)/2 connections a full mesh needs, timeouts, loop lag. */
    private static String churn(List<Trial> trials, int n) {
        double ok = 0;
        double dup = 0;
        double hsTimeouts = 0;
        double pingTimeouts = 0;
        double lag = 0;
        double cpu = 0;
        for (Trial t : trials) {
            cpu += t.counters().getOrDefault("cpuNanos", 0L) / 1e9;
            ok += t.counters().getOrDefault("handshake.ok", 0L);
            dup += t.counters().getOrDefault("handshake.duplicate", 0L);
            hsTimeouts += t.counters().getOrDefault("handshake.timeout", 0L);
            pingTimeouts += t.counters().getOrDefault("timeouts", 0L);
            lag = Math.max(lag, (double) t.lag().get("maxEventLoopLagMillis"));
        }
        int k = trials.size();
        return String.format("per trial: %.1f CPU-seconds (all JVMs), %.0f connections established for the %d needed, "
                + "%.0f duplicate dials refused, %.0f handshake and %.0f ping timeouts; max event-loop lag %.0f ms", cpu / k,
                ok / k / 2, n * (n - 1) / 2, dup / k, hsTimeouts / k, pingTimeouts / k, lag);
    }

    private static Map<String, Object> trialMap(Trial t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fullMesh", t.full());
        m.put("allListeningMillis", t.deployedMs());
        m.put("allReadyMillis", t.readyMs());
        m.put("fullMeshMillis", t.full() ? t.fullMs() : null);
        m.put("processes", t.processes());
        m.put("detail", t.detail());
        m.put("eventLoopLagInThisJvm", t.lag());
        m.put("countersAllNodes", t.counters());
        return m;
    }

    /** How many processes a full mesh of n needs so that each stays under 70% of the fd limit. */
    private int processes(int n, int maxPeers) {
        long perNode = Math.min(n - 1, maxPeers) + 2L;
        long need = n * perNode + 200;
        return (int) Math.max(1, Math.ceil(need / (0.7 * maxFds)));
    }

    private List<Remote> workers(int count) throws Exception {
        while (workers.size() < count) {
            int i = workers.size();
            Child c = Child.start("mesh-worker-" + i, MeshWorker.class, List.of("-Xmx1g"), List.of(),
                    opts.out.resolve("mesh-worker-" + i + ".log"));
            c.await(l -> l.equals("ready"), Duration.ofSeconds(90));
            workers.add(new Remote(c));
        }
        return workers.subList(0, count);
    }

    private Trial trial(LocalMesh local, int n, int maxPeers, boolean dns, Duration deadline) throws Exception {
        int p = processes(n, maxPeers);
        List<Remote> remotes = workers(p - 1);
        int target = Math.min(n - 1, maxPeers);
        int[] share = new int[p];
        for (int i = 0; i < n; i++) {
            share[i % p]++;
        }
        // DNS: every node listening is announced to every process's fake DNS answer.
        local.onUp = a -> remotes.forEach(r -> r.child.send("addr " + a));
        for (Remote r : remotes) {
            r.onUp = a -> {
                local.dnsAnswer.add(a);
                remotes.stream().filter(o -> o != r).forEach(o -> o.child.send("addr " + a));
            };
        }
        System.gc();
        Loops.sleep(300);
        lag.start();
        long cpu0 = OS.getProcessCpuTime();
        Map<String, long[]> threads0 = ProcThreads.snapshot();
        long t0 = System.nanoTime();
        HostPort seed = null;
        if (dns) {
            local.start(share[0], n, maxPeers, true, null, target);
        } else {
            PeerNode s = local.seed(n, maxPeers);
            seed = s.advertised();
            local.target = target;
            local.start(share[0] - 1, n, maxPeers, false, seed, target);
        }
        for (int i = 0; i < remotes.size(); i++) {
            remotes.get(i).child.send("start " + share[i + 1] + " " + n + " " + maxPeers + " " + (dns ? "dns" : "boot") + " "
                    + (seed == null ? "-" : seed.toString()) + " " + target);
        }
        long end = t0 + deadline.toNanos();
        double deployedMs = -1;
        double readyMs = -1;
        double fullMs = -1;
        String detail = "";
        while (System.nanoTime() < end) {
            int deployed = local.deployed();
            int ready = local.ready();
            int full = local.full();
            int failures = local.failures.get();
            for (Remote r : remotes) {
                deployed += r.deployed;
                ready += r.ready;
                full += r.full;
                failures += r.failures;
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (failures > 0) {
                detail = failures + " of " + n + " nodes failed to start: " + local.firstFailure;
                break;
            }
            if (deployedMs < 0 && deployed == n) {
                deployedMs = ms;
            }
            if (readyMs < 0 && ready == n) {
                readyMs = ms;
            }
            if (full == n) {
                fullMs = ms;
                break;
            }
            Loops.sleep(1);
        }
        if (fullMs < 0) {
            List<Integer> counts = new ArrayList<>(local.counts());
            for (Remote r : remotes) {
                r.child.clearLines();
                r.child.send("counts");
                String line = r.child.await(l -> l.startsWith("counts"), Duration.ofSeconds(10));
                if (line.length() > 7) {
                    Arrays.stream(line.substring(7).split(",")).map(Integer::parseInt).forEach(counts::add);
                }
            }
            int[] c = counts.stream().mapToInt(Integer::intValue).sorted().toArray();
            if (detail.isEmpty()) {
                detail = (p > 1 ? "nodes split over " + p + " JVMs (fd limit " + maxFds + "); " : "") + String.format("not every node at %d peers after %d s: %d of %d nodes listening, peers min/median/max %d/%d/%d, "
                        + "%d nodes at %d", target, deadline.toSeconds(), c.length, n, c.length == 0 ? 0 : c[0],
                        c.length == 0 ? 0 : c[c.length / 2], c.length == 0 ? 0 : c[c.length - 1],
                        Arrays.stream(c).filter(x -> x >= target).count(), target);
            }
        }
        long cpuNanos = OS.getProcessCpuTime() - cpu0;
        // Where this JVM's CPU went (JIT, GC, event loops), in CPU-seconds over the trial.
        double trialSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> threadCpu = new LinkedHashMap<>();
        ProcThreads.delta(threads0, ProcThreads.snapshot(), trialSeconds).forEach((group, coreShare) -> {
            if (coreShare * trialSeconds >= 0.05) {
                threadCpu.put(group, Math.round(coreShare * trialSeconds * 100) / 100.0);
            }
        });
        System.out.println("      CPU-seconds in this JVM by thread group: " + threadCpu);
        Map<String, Object> lagResult = new LinkedHashMap<>(lag.stop());
        lagResult.put("cpuSecondsByThreadGroupThisJvm", threadCpu);
        Map<String, Long> counters = new LinkedHashMap<>(MeshCounters.parse(local.counters.line()));
        counters.put("cpuNanos", cpuNanos);
        for (Remote r : remotes) {
            r.child.clearLines();
            r.child.send("counters");
            String line = r.child.await(l -> l.startsWith("counters"), Duration.ofSeconds(10));
            MeshCounters.parse(line.substring(8)).forEach((k, v) -> counters.merge(k, v, Long::sum));
        }
        local.stop();
        for (Remote r : remotes) {
            r.child.clearLines();
            r.child.send("stop");
            r.child.await(l -> l.equals("stopped"), Duration.ofSeconds(120));
        }
        local.onUp = a -> { };
        Loops.sleep(1000);
        return new Trial(fullMs >= 0, deployedMs, readyMs, fullMs, detail, p, counters, lagResult);
    }
}
