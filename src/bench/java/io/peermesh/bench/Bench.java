package io.peermesh.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The peermesh benchmark: convergence, ping RTT and throughput against a raw Vert.x baseline,
 * failure detection, cost per connection and per node, start time of the packaged app, broadcast
 * (latency to the last member, the SSE stream's rate and a slow client's cost), and the packaged
 * app as processes against JGroups and Hazelcast ({@link ProcessBench}).
 * Prints a table, writes target/bench/results.json, table.md and the PNG charts.
 *
 * <p>Run with {@code ./mvnw -Pbench -DskipTests verify} ({@code -Dbench.quick=true} for CI). All
 * traffic is on 127.0.0.1; nodes bind port 0; the only processes started are the benchmark's own
 * children (raw peer swarms, mesh workers, the measured {@code java -jar}), and they are stopped by
 * the benchmark.
 */
public final class Bench {

    // Strong references: JUL holds loggers weakly, and a collected logger loses its level.
    private static final Logger ROOT = Logger.getLogger("");
    private static final Logger PEERMESH = Logger.getLogger("io.peermesh");

    /** A section threw: the run exits 1 (targets missed are reported in the table, not as failure). */
    private static boolean sectionBroke;

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Opts opts = new Opts();
        Files.createDirectories(opts.out);
        quietLogs(opts.out.resolve("bench.log"));
        Report report = new Report();
        describeMachine(report, opts);
        System.out.println("peermesh benchmark: " + opts + ", output " + opts.out.toAbsolutePath());
        long started = System.nanoTime();

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(opts.eventLoops)
                .setBlockedThreadCheckInterval(10_000));
        try {
            // JFR (used by ping and convergence to profile) leaves a periodic-task thread running that
            // costs ~0.7% of a core, so the CPU measurements (cost) come before any recording.
            // Processes only (the nodes and the competitors' members), first: the full run waits for a
            // quiet machine before it, and nothing of this JVM's own sections competes with it.
            section(opts, report, "process", () -> new ProcessBench(opts, report).run());
            section(opts, report, "start", () -> new StartBench(vertx, opts, report).run());
            section(opts, report, "rttproc", () -> new RttProcBench(opts, report).run());
            section(opts, report, "failure", () -> new FailureBench(vertx, opts, report).run());
            section(opts, report, "cost", () -> new CostBench(vertx, opts, report).run());
            section(opts, report, "ping", () -> new PingBench(vertx, opts, report).run());
            section(opts, report, "convergence", () -> new ConvergenceBench(vertx, opts, report).run());
            section(opts, report, "broadcast", () -> new BroadcastBench(vertx, opts, report).run());
        } finally {
            Loops.await(vertx.close(), Duration.ofSeconds(60));
        }
        report.machine.put("benchmarkSeconds", (System.nanoTime() - started) / 1e9);
        report.machine.put("loadAverageAtEnd", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        report.write(opts.out);
        System.out.println();
        System.out.println(report.console());
        System.out.printf("benchmark took %.0f s; results in %s (results.json, table.md, convergence.png, rtt.png, *.jfr)%n",
                (System.nanoTime() - started) / 1e9, opts.out.toAbsolutePath());
        System.exit(sectionBroke ? 1 : 0);
    }

    interface Section {
        void run() throws Exception;
    }

    private static void section(Opts opts, Report report, String name, Section s) {
        if (!opts.runs(name)) {
            return;
        }
        long t0 = System.nanoTime();
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.println("== " + name + " ... (load average " + loadBefore + ")");
        try {
            s.run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            sectionBroke = true;
            report.failed("0-" + name, "section " + name, "", "failed: " + e);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("== %s done in %.1f s%n", name, secs);
        @SuppressWarnings("unchecked")
        Map<String, Object> times = (Map<String, Object>) report.machine.computeIfAbsent("sectionSeconds",
                k -> new LinkedHashMap<String, Object>());
        times.put(name, Math.round(secs * 10) / 10.0);
        @SuppressWarnings("unchecked")
        Map<String, Object> loads = (Map<String, Object>) report.machine.computeIfAbsent("loadAverageBeforeAndAfterSection",
                k -> new LinkedHashMap<String, Object>());
        loads.put(name, java.util.List.of(loadBefore, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    }

    /** Node logs (one INFO line per connect and disconnect) go to a file at WARNING and above. */
    private static void quietLogs(Path file) throws IOException {
        for (Handler h : ROOT.getHandlers()) {
            ROOT.removeHandler(h);
        }
        FileHandler fh = new FileHandler(file.toString(), false);
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s [%3$s] %5$s%6$s%n");
        fh.setFormatter(new SimpleFormatter());
        fh.setLevel(Level.ALL);
        ROOT.addHandler(fh);
        ROOT.setLevel(Level.INFO);
        PEERMESH.setLevel(Level.parse(System.getProperty("bench.nodeLogLevel", "WARNING")));
    }

    private static void describeMachine(Report report, Opts opts) {
        Map<String, Object> m = report.machine;
        m.put("date", Instant.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
        m.put("eventLoops", opts.eventLoops);
        m.put("quick", opts.quick);
        m.put("loadAverageAtStart", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            m.put("maxFileDescriptors", u.getMaxFileDescriptorCount());
        }
        try {
            m.put("cpu", Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?"));
        } catch (IOException e) {
            m.put("cpu", "?");
        }
    }
}
