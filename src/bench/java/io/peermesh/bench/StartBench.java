package io.peermesh.bench;

import io.peermesh.node.NodeClock;
import io.peermesh.node.NodeConfig;
import io.peermesh.node.NodeObserver;
import io.peermesh.node.PeerNode;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Section 6: from {@code java -jar target/quarkus-app/quarkus-run.jar} to {@code /q/health/ready}
 * UP with one peer (an in-JVM node on 127.0.0.1 that is already running). One unmeasured run
 * first (page cache), then the measured runs. Each started process is stopped with SIGTERM (then
 * SIGKILL if it hangs) before the next.
 */
final class StartBench {

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;

    StartBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    void run() throws Exception {
        if (!Files.isRegularFile(opts.jar)) {
            report.failed("6", "java -jar to ready with one peer", "<= 2 s", "no " + opts.jar + ": run ./mvnw package first");
            return;
        }
        int runs = opts.pick(3, 5);
        PeerNode peer = Loops.await(PeerNode.deploy(vertx, NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).build(),
                NodeClock.SYSTEM, NodeObserver.NONE), Duration.ofSeconds(10));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        List<Double> ready = new ArrayList<>();
        List<Double> quarkusStarted = new ArrayList<>();
        List<Double> cpuToReady = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try {
            for (int i = 0; i <= runs; i++) {
                Path log = opts.out.resolve("start-run-" + i + ".log");
                double[] r = once(peer, http, log);
                if (r == null) {
                    problems.add("run " + i + ": not ready within 30 s (see " + log + ")");
                    continue;
                }
                if (i > 0) { // run 0 warms the page cache and is not counted
                    ready.add(r[0]);
                    if (r[1] >= 0) {
                        cpuToReady.add(r[1]);
                    }
                    double q = startedIn(log); // the process has exited: its log is complete
                    if (q >= 0) {
                        quarkusStarted.add(q);
                    }
                }
                CostBench.waitFor(() -> peer.peerCount() == 0, Duration.ofSeconds(15));
            }
        } finally {
            Loops.await(peer.close(), Duration.ofSeconds(10));
        }
        double[] readyMs = ready.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "java -Dp2p.bootstrap=127.0.0.1:<peer> -Dp2p.host=127.0.0.1 -Dp2p.port=<free> "
                + "-Dquarkus.http.port=<free> -jar " + opts.jar);
        m.put("measuredRuns", readyMs.length);
        m.put("readyMillis", readyMs);
        m.put("quarkusStartedInMillis", quarkusStarted);
        m.put("processCpuMillisToReady", cpuToReady);
        m.put("problems", problems);
        report.section("start", m);
        if (readyMs.length == 0) {
            report.failed("6", "java -jar to ready with one peer", "<= 2 s", String.join("; ", problems));
            return;
        }
        double med = Stats.median(readyMs);
        double[] qs = quarkusStarted.stream().mapToDouble(Double::doubleValue).toArray();
        double[] cpu = cpuToReady.stream().mapToDouble(Double::doubleValue).toArray();
        report.target("6", "java -jar to /q/health/ready UP with one peer (median of " + readyMs.length + ")", med / 1000.0, "s",
                String.format("min %.2f / median %.2f / max %.2f s", Stats.min(readyMs) / 1000, med / 1000, Stats.max(readyMs) / 1000),
                Report.Goal.AT_MOST, 2.0, "<= 2 s",
                String.format("process start to first 200 from /q/health/ready (polled every 10 ms); Quarkus' own \"started in\" "
                        + "median %.2f s; the process used %.2f CPU-s until ready (median), so %.2f s is the floor on %d idle cores%s",
                        Stats.median(qs) / 1000, Stats.median(cpu) / 1000, Stats.median(cpu) / 1000 / Runtime.getRuntime().availableProcessors(),
                        Runtime.getRuntime().availableProcessors(), problems.isEmpty() ? "" : "; " + String.join("; ", problems)));
    }

    /** One start: {ms to ready}, or null if never ready; the process is stopped before this returns. */
    private double[] once(PeerNode peer, HttpClient http, Path log) throws Exception {
        int p2pPort = freePort();
        int httpPort = freePort();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dp2p.bootstrap=127.0.0.1:" + peer.port(), "-Dp2p.host=127.0.0.1", "-Dp2p.port=" + p2pPort,
                "-Dquarkus.http.port=" + httpPort, "-jar", opts.jar.toAbsolutePath().toString());
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofMillis(500)).GET().build();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                        double ms = (System.nanoTime() - t0) / 1e6;
                        double cpuMs = p.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e6).orElse(-1.0);
                        return new double[] {ms, cpuMs};
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
