package io.peermesh.bench;

import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Section 6: from {@code java -jar quarkus-run.jar} to {@code /q/health/ready} UP (HTTP/1.1) with one peer (an
 * in-JVM node on 127.0.0.1 that is already running), with the JVM flags users run
 * ({@link #DEPLOYED_FLAGS}: README, Dockerfile, StatefulSet) and, for comparison, plain
 * {@code java -jar} without any. Both from target/quarkus-app, as the README runs it (the AppCDS
 * archive names the jar relative to it). The two commands alternate, so load changes hit both
 * alike; the first run of each warms the page cache and is not counted, and the deployed one's
 * first run also checks with {@code -Xshare:on} that the archive is usable and counts the classes
 * it served. Each started process is stopped with SIGTERM (then SIGKILL if it hangs) before the next.
 */
final class StartBench {

    /**
     * The JVM flags of the deployed command line. AppCDS archive written by the build's training run
     * (CdsTraining); the serial collector for a heap of a few hundred MiB on one or two cores.
     */
    static final List<String> DEPLOYED_FLAGS = List.of("-XX:SharedArchiveFile=app-cds.jsa", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmn8m", "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;

    StartBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    /** One command line and what its runs measured. */
    private static final class Variant {
        final String name;
        final List<String> flags;
        final List<Double> ready = new ArrayList<>();
        final List<Double> cpu = new ArrayList<>();
        final List<Double> quarkusStarted = new ArrayList<>();
        final Map<String, List<Double>> cpuByThread = new TreeMap<>();

        Variant(String name, List<String> flags) {
            this.name = name;
            this.flags = flags;
        }

        double[] array(List<Double> l) {
            return l.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    void run() throws Exception {
        if (!Files.isRegularFile(opts.jar)) {
            report.failed("6", "java -jar to ready with one peer", "<= 2 s", "no " + opts.jar + ": run ./mvnw package first");
            return;
        }
        Path appDir = opts.jar.toAbsolutePath().getParent();
        int runs = opts.pick(3, 5);
        Variant deployed = new Variant("deployed", DEPLOYED_FLAGS);
        Variant plain = new Variant("plain", List.of());
        List<String> problems = new ArrayList<>();
        String archive = archiveCheck(appDir, null);
        PeerNode peer = Loops.await(PeerNode.deploy(vertx, NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).build(),
                NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(10));
        // HTTP/1.1 as the kubelet's probes and curl ask; the JDK client's default (HTTP/2) would
        // first ask the server to upgrade (h2c), making its first answer an HTTP/2 one, with the
        // ~200 classes of Vert.x's HTTP/2 codec loaded on the way.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(200)).build();
        try {
            for (int i = 0; i <= runs; i++) {
                for (Variant v : List.of(deployed, plain)) {
                    List<String> flags = v.flags;
                    Path classLog = opts.out.resolve("start-classes.log").toAbsolutePath();
                    if (i == 0 && v == deployed) { // unmeasured: fails if the archive cannot be mapped
                        flags = Stream.concat(Stream.of("-Xshare:on", "-Xlog:class+load=info:file=" + classLog), v.flags.stream()).toList();
                        Files.deleteIfExists(classLog);
                    }
                    Path log = opts.out.resolve("start-" + v.name + "-run-" + i + ".log");
                    Run r = once(peer, http, appDir, flags, log);
                    if (i == 0 && v == deployed) {
                        archive = archiveCheck(appDir, classLog);
                    }
                    if (r == null) {
                        problems.add(v.name + " run " + i + ": not ready within 30 s (see " + log + ")");
                    } else if (i > 0) { // run 0 warms the page cache and is not counted
                        v.ready.add(r.readyMillis);
                        if (r.cpuMillis >= 0) {
                            v.cpu.add(r.cpuMillis);
                        }
                        r.cpuByThread.forEach((k, s) -> v.cpuByThread.computeIfAbsent(k, x -> new ArrayList<>()).add(s));
                        double q = startedIn(log); // the process has exited: its log is complete
                        if (q >= 0) {
                            v.quarkusStarted.add(q);
                        }
                    }
                    CostBench.waitFor(() -> peer.peerCount() == 0, Duration.ofSeconds(15));
                }
            }
        } finally {
            Loops.await(peer.close(), Duration.ofSeconds(10));
        }
        String args = "-Dp2p.bootstrap=127.0.0.1:<peer> -Dp2p.host=127.0.0.1 -Dp2p.port=<free> -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=<free>";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workingDirectory", appDir.toString());
        m.put("command", "java " + String.join(" ", DEPLOYED_FLAGS) + " " + args + " -jar quarkus-run.jar");
        m.put("plainCommand", "java " + args + " -jar quarkus-run.jar");
        m.put("appCdsArchive", archive);
        for (Variant v : List.of(deployed, plain)) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("jvmFlags", v.flags);
            s.put("measuredRuns", v.ready.size());
            s.put("readyMillis", v.ready);
            s.put("quarkusStartedInMillis", v.quarkusStarted);
            s.put("processCpuMillisToReady", v.cpu);
            s.put("cpuSecondsToReadyByThreadMedian", medians(v.cpuByThread));
            m.put(v.name, s);
        }
        m.put("problems", problems);
        report.section("start", m);
        if (deployed.ready.isEmpty()) {
            report.failed("6", "java -jar to ready with one peer", "<= 2 s", String.join("; ", problems));
            return;
        }
        double[] readyMs = deployed.array(deployed.ready);
        double med = Stats.median(readyMs);
        int cores = Runtime.getRuntime().availableProcessors();
        report.target("6", "java -jar to /q/health/ready UP with one peer (median of " + readyMs.length + ")", med / 1000.0, "s",
                minMedMax(readyMs), Report.Goal.AT_MOST, 2.0, "<= 2 s",
                String.format("java %s -jar quarkus-run.jar in target/quarkus-app, as README, Dockerfile and StatefulSet run it; "
                        + "%s. Process start to first 200 from /q/health/ready (HTTP/1.1, polled every 10 ms); Quarkus' own \"started in\" "
                        + "median %.2f s; the process used %.2f CPU-s until ready (median: %s), so %.2f s is the floor on %d idle cores%s",
                        String.join(" ", DEPLOYED_FLAGS), archive, median(deployed.quarkusStarted) / 1000,
                        median(deployed.cpu) / 1000, threadSplit(deployed), median(deployed.cpu) / 1000 / cores, cores,
                        problems.isEmpty() ? "" : "; " + String.join("; ", problems)));
        if (!plain.ready.isEmpty()) {
            double[] p = plain.array(plain.ready);
            report.info("6b", "the same without JVM flags: plain java -jar (median of " + p.length + ")", Stats.median(p) / 1000, "s",
                    minMedMax(p), String.format("for comparison, alternating with the runs of 6; Quarkus' \"started in\" median %.2f s; "
                            + "%.2f CPU-s until ready (median: %s)", median(plain.quarkusStarted) / 1000, median(plain.cpu) / 1000,
                            threadSplit(plain)));
        }
    }

    private record Run(double readyMillis, double cpuMillis, Map<String, Double> cpuByThread) {
    }

    /** One start: time and CPU to ready, or null if never ready; the process is stopped before this returns. */
    private Run once(PeerNode peer, HttpClient http, Path appDir, List<String> flags, Path log) throws Exception {
        int p2pPort = freePort();
        int httpPort = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.addAll(nodeProperties("127.0.0.1:" + peer.port(), p2pPort, httpPort));
        cmd.addAll(List.of("-jar", opts.jar.getFileName().toString()));
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofMillis(500)).GET().build();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(appDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                        double ms = (System.nanoTime() - t0) / 1e6;
                        double cpuMs = p.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e6).orElse(-1.0);
                        return new Run(ms, cpuMs, ProcThreads.cpuSecondsByGroup(p.pid()));
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(10);
            }
            return null;
        } finally {
            p.destroy(); // SIGTERM: the node says bye and exits
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A node's settings on its command line (the README's keys): one bootstrap address, the peer port and HTTP on loopback. */
    static List<String> nodeProperties(String bootstrap, int p2pPort, int httpPort) {
        return List.of("-Dp2p.bootstrap=" + bootstrap, "-Dp2p.host=127.0.0.1", "-Dp2p.port=" + p2pPort,
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + httpPort);
    }

    /** What the archive check found: missing, not usable, or how many loaded classes it served. */
    private static String archiveCheck(Path appDir, Path classLog) {
        Path jsa = appDir.resolve("app-cds.jsa");
        if (!Files.isRegularFile(jsa)) {
            return "no AppCDS archive (" + jsa + "): built with -Dappcds.skip=true?";
        }
        if (classLog == null) {
            return "AppCDS archive " + jsa.getFileName() + " not checked";
        }
        try {
            List<String> lines = Files.readAllLines(classLog);
            long top = lines.stream().filter(l -> l.contains("source: shared objects file (top)")).count();
            long base = lines.stream().filter(l -> l.contains("source: shared objects file") && !l.contains("(top)")).count();
            if (top == 0) {
                return "AppCDS archive NOT USED (not written by this JVM, or the jar changed since): no class came from it";
            }
            return String.format("AppCDS archive used: %d of %d classes loaded until ready came from it, %d from the JDK's own CDS, "
                    + "%d loaded from jars", top, lines.size(), base, lines.size() - top - base);
        } catch (IOException e) {
            return "AppCDS archive NOT USABLE: the -Xshare:on check run did not start (see start-deployed-run-0.log)";
        }
    }

    private static Map<String, Double> medians(Map<String, List<Double>> byThread) {
        Map<String, Double> m = new TreeMap<>();
        byThread.forEach((k, l) -> {
            double med = Math.round(median(l) * 100) / 100.0;
            if (med > 0) { // the many idle JVM threads are left out
                m.put(k, med);
            }
        });
        return m;
    }

    /** "main 0.95, JIT 1.05, event loops 0.20, other 0.05" in CPU-s, medians per group. */
    private static String threadSplit(Variant v) {
        Map<String, Double> m = medians(v.cpuByThread);
        double main = m.getOrDefault("other: java", 0.0);
        double jit = m.getOrDefault("JIT compiler", 0.0);
        double loops = m.getOrDefault("vert.x event loops", 0.0);
        double gc = m.getOrDefault("GC and VM thread", 0.0);
        double rest = m.values().stream().mapToDouble(Double::doubleValue).sum() - main - jit - loops - gc;
        return String.format("main thread %.2f, JIT compilers %.2f, event loops %.2f, GC and VM thread %.2f, other %.2f",
                main, jit, loops, gc, rest);
    }

    private static double median(List<Double> l) {
        return l.isEmpty() ? Double.NaN : Stats.median(l.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String minMedMax(double[] ms) {
        return String.format("min %.2f / median %.2f / max %.2f s", Stats.min(ms) / 1000, Stats.median(ms) / 1000, Stats.max(ms) / 1000);
    }

    private static double startedIn(Path log) {
        try {
            Matcher m = STARTED.matcher(Files.readString(log));
            return m.find() ? Double.parseDouble(m.group(1)) * 1000 : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
