package io.peermesh.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Section 7 (rttproc): the round trips two node processes report, idle on loopback at the default
 * ping interval, from their first minute on, against the floor of the same machine in the same run:
 * two small processes of ours doing a TCP ping-pong of the node's ping line at the same interval
 * ({@code src/bench/c/rtt_floor.c}, built here with gcc; {@code src/bench/python/rtt_floor.py}
 * beside it, to show what an interpreter adds). All four pairs start together and run at once.
 *
 * <p>The nodes are the deployed command ({@link StartBench#DEPLOYED_FLAGS}, from
 * target/quarkus-app) with the {@code io.peermesh.rtt} logger at DEBUG: one line per round trip
 * the node measured, the value its metrics and {@code /peers} get. Nothing else talks to the
 * nodes until the end (no HTTP polling that would warm their network path), when {@code /peers}
 * is read once for what an operator sees.
 */
final class RttProcBench {

    private static final Pattern NODE_LEAD = Pattern.compile("rtt_ns=(\\d+) peer=\\S+ lead");
    private static final Pattern NODE_RTT = Pattern.compile("rtt_ns=(\\d+)");
    private static final Pattern FLOOR_RTT = Pattern.compile("^rtt (\\d+)$");
    private static final Pattern FLOOR_FOLLOW_UP = Pattern.compile("^rtt2 (\\d+)$");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final long MINUTE_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final int INTERVAL_MILLIS = 2000; // the default p2p.ping-interval

    private final Opts opts;
    private final Report report;
    private final List<Process> started = new ArrayList<>();
    // The C client's second ping of each pair, sent as soon as the first's pong is read: what the
    // node's follow-up ping (p2p.ping-follow-up) is measured against.
    private final Samples floorFollowUp = new Samples("C floor, follow-up");
    // The nodes' lead pings: the round trip that wakes both processes, not reported by the node.
    private final Samples nodesLead = new Samples("nodes, lead pings");
    private final RttStages stages = new RttStages();
    // Logged mode (-Dbench.rttLog=true): every round trip a DEBUG line, which also gives the lead
    // pings and the stages, but costs the nodes more than the round trip (the line is formatted and
    // written on the event loop). By default the samples come from GET /peers/{id}/rtt at the end.
    private final boolean logged = Boolean.getBoolean("bench.rttLog");

    RttProcBench(Opts opts, Report report) {
        this.opts = opts;
        this.report = report;
    }

    /** Round trips one process reported: when each line arrived (since the section's start) and the RTT. */
    static final class Samples {
        final String name;
        final List<long[]> at = new ArrayList<>(); // {arrivalNanos, rttNanos}

        Samples(String name) {
            this.name = name;
        }

        synchronized void add(long arrival, long rtt) {
            at.add(new long[] {arrival, rtt});
        }

        /** {secondsSinceStart, rttMicros} of each sample in the window, in arrival order: where the outliers fall. */
        synchronized double[][] timeline(long fromNanos, long toNanos) {
            return at.stream().filter(s -> s[0] >= fromNanos && s[0] < toNanos)
                    .map(s -> new double[] {Math.round(s[0] / 1e6) / 1e3, s[1] / 1000.0}).toArray(double[][]::new);
        }

        synchronized long[] within(long fromNanos, long toNanos) {
            return at.stream().filter(s -> s[0] >= fromNanos && s[0] < toNanos).mapToLong(s -> s[1]).sorted().toArray();
        }
    }

    void run() throws Exception {
        if (!Files.isRegularFile(opts.jar)) {
            report.failed("9", "process-level RTT", "", "no " + opts.jar + ": run ./mvnw package first");
            return;
        }
        int minutes = Integer.getInteger("bench.rttMinutes", opts.pick(2, 5));
        Path appDir = opts.jar.toAbsolutePath().getParent();
        Path floorC = buildFloor();
        long t0 = System.nanoTime();
        long wallAtT0 = System.currentTimeMillis();
        List<Samples> floors = new ArrayList<>();
        Samples nodeA = new Samples("node A");
        Samples nodeB = new Samples("node B");
        // Should the benchmark die, its children go with it.
        Thread reaper = new Thread(() -> started.forEach(Process::destroyForcibly), "rttproc-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        int httpA = freePort();
        int httpB = freePort();
        try {
            if (floorC != null) {
                floors.add(floorPair("C floor", List.of(floorC.toString()), t0));
            }
            floors.add(floorPair("Python floor", List.of("python3", Path.of("src/bench/python/rtt_floor.py").toAbsolutePath().toString()), t0));
            int p2pB = freePort();
            node(appDir, httpB, p2pB, null, "rttproc-node-b.log", nodeB, t0);
            node(appDir, httpA, freePort(), "127.0.0.1:" + p2pB, "rttproc-node-a.log", nodeA, t0);
            long end = t0 + minutes * MINUTE_NANOS;
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
            Map<String, Object> views = new LinkedHashMap<>();
            views.put("node A", peers(httpA));
            views.put("node B", peers(httpB));
            if (!logged) {
                history(httpA, views.get("node A"), nodeA, wallAtT0);
                history(httpB, views.get("node B"), nodeB, wallAtT0);
            }
            results(minutes, floors, nodeA, nodeB, views);
        } finally {
            for (Process p : started) {
                p.destroy(); // SIGTERM: nodes say bye; the floors exit at end of input
            }
            for (Process p : started) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
    }

    private void results(int minutes, List<Samples> floors, Samples nodeA, Samples nodeB, Map<String, Object> views) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("intervalMillis", INTERVAL_MILLIS);
        data.put("minutes", minutes);
        data.put("samplesFrom", logged ? "log" : "GET /peers/{id}/rtt");
        long[][] windows = {{0, MINUTE_NANOS}, {(minutes - 1) * MINUTE_NANOS, minutes * MINUTE_NANOS}};
        String[] windowNames = {"cold (minute 1)", "warm (minute " + minutes + ")"};
        String[] ids = {"9", "9w"};
        Map<String, Object> byWindow = new LinkedHashMap<>();
        for (int w = 0; w < 2; w++) {
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, long[]> sorted = new LinkedHashMap<>();
            for (Samples s : floors) {
                sorted.put(s.name, s.within(windows[w][0], windows[w][1]));
            }
            long[] a = nodeA.within(windows[w][0], windows[w][1]);
            long[] b = nodeB.within(windows[w][0], windows[w][1]);
            long[] both = new long[a.length + b.length];
            System.arraycopy(a, 0, both, 0, a.length);
            System.arraycopy(b, 0, both, a.length, b.length);
            Arrays.sort(both);
            long[] followFloor = floorFollowUp.within(windows[w][0], windows[w][1]);
            long[] lead = nodesLead.within(windows[w][0], windows[w][1]);
            sorted.put(floorFollowUp.name, followFloor);
            sorted.put(nodesLead.name, lead);
            m.put("timeline node A", nodeA.timeline(windows[w][0], windows[w][1]));
            m.put("timeline node B", nodeB.timeline(windows[w][0], windows[w][1]));
            if (!floors.isEmpty()) {
                m.put("timeline " + floors.get(0).name, floors.get(0).timeline(windows[w][0], windows[w][1]));
            }
            sorted.put("node A", a);
            sorted.put("node B", b);
            sorted.put("nodes", both);
            sorted.forEach((k, v) -> {
                Map<String, Object> st = Stats.latencyMicros(v);
                st.put("min_us", v.length == 0 ? null : v[0] / 1000.0);
                st.put("samples_us", Arrays.stream(v).mapToDouble(x -> x / 1000.0).toArray());
                m.put(k, st);
            });
            byWindow.put(windowNames[w], m);
            long[] floor = sorted.get(floors.get(0).name);
            String floorName = floors.get(0).name;
            double f50 = Stats.percentile(floor, 50) / 1e6;
            double fMin = floor.length == 0 ? Double.NaN : floor[0] / 1e6;
            double n50 = Stats.percentile(both, 50) / 1e6;
            double n99 = Stats.percentile(both, 99) / 1e6;
            double nMin = both.length == 0 ? Double.NaN : both[0] / 1e6;
            String id = ids[w];
            StringBuilder floorsText = new StringBuilder();
            for (Samples s : floors) {
                long[] v = sorted.get(s.name);
                floorsText.append(String.format("%s%s p50 %.3f / p99 %.3f / min %.3f ms (%d)", floorsText.length() == 0 ? "" : "; ",
                        s.name, Stats.percentile(v, 50) / 1e6, Stats.percentile(v, 99) / 1e6,
                        v.length == 0 ? Double.NaN : v[0] / 1e6, v.length));
            }
            report.info(id + "a", "process RTT floor, " + windowNames[w], f50, "ms", floorsText.toString(),
                    "two processes, TCP ping-pong of the ping line every " + INTERVAL_MILLIS + " ms on loopback");
            report.target(id + "b", "node-reported RTT p50 vs floor, " + windowNames[w], n50 / f50, "x",
                    String.format("p50 %.3f / p99 %.3f / min %.3f / max %.3f ms (%d round trips; %.2fx %s p50)", n50, n99,
                            nMin, both.length == 0 ? Double.NaN : both[both.length - 1] / 1e6, both.length, n50 / f50, floorName),
                    Report.Goal.AT_MOST, 2.0, "p50 <= 2x floor", "two node processes (deployed command), idle, default interval; samples "
                            + (logged ? "from a DEBUG line per round trip (-Dbench.rttLog=true: the logging adds to them)"
                                    : "from GET /peers/{id}/rtt at the end, no log line per round trip"));
            report.target(id + "c", "node-reported RTT minimum vs floor minimum, " + windowNames[w], nMin / fMin, "x",
                    String.format("%.3f vs %.3f ms (%.2fx)", nMin, fMin, nMin / fMin), Report.Goal.AT_MOST, 1.5,
                    "min <= 1.5x floor min", "");
            report.target(id + "d", "node-reported RTT p99, " + windowNames[w], n99, "ms", String.format("%.3f ms", n99),
                    Report.Goal.AT_MOST, 2.0, "p99 < 2 ms", "");
            if (followFloor.length > 0) {
                double g50 = Stats.percentile(followFloor, 50) / 1e6;
                report.info(id + "e", "node-reported RTT p50 vs the C follow-up floor, " + windowNames[w], n50 / g50, "x",
                        String.format("C follow-up floor p50 %.3f / p99 %.3f / min %.3f ms: the node %.2fx its p50, %.2fx its min",
                                g50, Stats.percentile(followFloor, 99) / 1e6, followFloor[0] / 1e6, n50 / g50, nMin / (followFloor[0] / 1e6)),
                        "the C client's second ping of a pair, sent when the first's pong is read (both ends awake), as the node's follow-up");
            }
            if (lead.length > 0) {
                report.info(id + "f", "lead pings' RTT (wakes both nodes; not reported), " + windowNames[w],
                        Stats.percentile(lead, 50) / 1e6, "ms", String.format("p50 %.3f / p99 %.3f / min %.3f ms (%d); %.2fx the C floor p50",
                                Stats.percentile(lead, 50) / 1e6, Stats.percentile(lead, 99) / 1e6, lead[0] / 1e6, lead.length,
                                Stats.percentile(lead, 50) / 1e6 / f50), "p2p.ping-follow-up: each round's first ping, after 2 s idle");
            }
            if (!logged) {
                continue; // the stages come from the log lines
            }
            Map<String, Object> reported = stages.medians(windows[w][0], windows[w][1], false);
            Map<String, Object> leads = stages.medians(windows[w][0], windows[w][1], true);
            m.put("stages, reported round trips", reported);
            m.put("stages, lead pings", leads);
            report.info(id + "g", "where a reported round trip goes (medians), " + windowNames[w],
                    reported.get("total_us") == null ? Double.NaN : (Double) reported.get("total_us"), "us", RttStages.text(reported),
                    "from both nodes' io.peermesh.rtt lines (one monotonic clock per host): asker's write to answerer's read, "
                            + "answerer's read to its pong's write, that write to the asker's read");
            report.info(id + "h", "where a lead ping's round trip goes (medians), " + windowNames[w],
                    leads.get("total_us") == null ? Double.NaN : (Double) leads.get("total_us"), "us", RttStages.text(leads), "");
        }
        data.put("windows", byWindow);
        data.put("peersAtEnd", views);
        report.section("rttproc", data);
    }

    /** Builds the C floor into the output directory; null (and a note) when there is no gcc. */
    private Path buildFloor() throws Exception {
        Path bin = opts.out.resolve("rtt_floor").toAbsolutePath();
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), "src/bench/c/rtt_floor.c")
                .redirectErrorStream(true).redirectOutput(opts.out.resolve("rtt_floor-build.log").toFile()).start();
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            report.failed("9x", "C floor", "", "gcc failed or missing (see rtt_floor-build.log): Python floor only");
            return null;
        }
        return bin;
    }

    /** Starts a floor server and its client; the client's lines are the samples. */
    private Samples floorPair(String name, List<String> command, long t0) throws Exception {
        List<String> server = new ArrayList<>(command);
        server.addAll(List.of("server", "0"));
        Process s = start(new ProcessBuilder(server).redirectError(ProcessBuilder.Redirect.DISCARD));
        String first = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        if (first == null || !first.startsWith("listening ")) {
            throw new IllegalStateException(name + " server did not start: " + first);
        }
        List<String> client = new ArrayList<>(command);
        client.addAll(List.of("client", first.substring("listening ".length()).trim(), String.valueOf(INTERVAL_MILLIS)));
        Process c = start(new ProcessBuilder(client).redirectError(ProcessBuilder.Redirect.DISCARD));
        Samples samples = new Samples(name);
        read(c, List.of(Map.entry(FLOOR_RTT, samples), Map.entry(FLOOR_FOLLOW_UP, floorFollowUp)), t0, null, null);
        return samples;
    }

    private void node(Path appDir, int httpPort, int p2pPort, String bootstrap, String logName, Samples samples, long t0)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(StartBench.DEPLOYED_FLAGS);
        cmd.addAll(List.of("-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + httpPort, "-Dp2p.host=127.0.0.1",
                "-Dp2p.port=" + p2pPort, "-Dp2p.min-peers=1"));
        if (logged) {
            cmd.add("-Dquarkus.log.category.\"io.peermesh.rtt\".level=DEBUG");
        }
        if (bootstrap != null) {
            cmd.add("-Dp2p.bootstrap=" + bootstrap);
        }
        cmd.addAll(List.of(System.getProperty("bench.rttNodeFlags", "").split(" ")).stream().filter(s -> !s.isBlank()).toList());
        cmd.addAll(List.of("-jar", opts.jar.getFileName().toString()));
        Process p = start(new ProcessBuilder(cmd).directory(appDir.toFile()).redirectErrorStream(true));
        read(p, List.of(Map.entry(NODE_LEAD, nodesLead), Map.entry(NODE_RTT, samples)), t0, opts.out.resolve(logName),
                stages);
    }

    private Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /**
     * A thread reading the process' output: a line is a sample of the first rule whose pattern it
     * matches; all lines go to {@code log} and {@code stages} if given.
     */
    private static void read(Process p, List<Map.Entry<Pattern, Samples>> rules, long t0, Path log, RttStages stages) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    var out = log == null ? null : Files.newBufferedWriter(log)) {
                String line;
                while ((line = r.readLine()) != null) {
                    long now = System.nanoTime() - t0;
                    if (stages != null) {
                        stages.line(now, line);
                    }
                    for (Map.Entry<Pattern, Samples> rule : rules) {
                        Matcher m = rule.getKey().matcher(line);
                        if (m.find()) {
                            rule.getValue().add(now, Long.parseLong(m.group(1)));
                            break;
                        }
                    }
                    if (out != null) {
                        out.write(line);
                        out.newLine();
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "rttproc-" + rules.get(rules.size() - 1).getValue().name);
        t.setDaemon(true);
        t.start();
    }

    /** The node's samples from its only peer's history (GET /peers/{id}/rtt), placed in time like logged ones. */
    private static void history(int httpPort, Object peers, Samples into, long wallAtT0) throws Exception {
        if (!(peers instanceof com.fasterxml.jackson.databind.JsonNode list) || list.size() != 1) {
            throw new IllegalStateException(into.name + ": expected one peer at the end, /peers said " + peers);
        }
        String path = "/peers/" + list.get(0).get("nodeid").asText() + "/rtt";
        for (var sample : getJson(httpPort, path)) {
            long at = java.time.Instant.parse(sample.get("at").asText()).toEpochMilli();
            into.add((at - wallAtT0) * 1_000_000L, Math.round(sample.get("rttMillis").asDouble() * 1e6));
        }
    }

    private static Object peers(int httpPort) {
        try {
            return getJson(httpPort, "/peers");
        } catch (Exception e) {
            return "not read: " + e;
        }
    }

    /** One GET on the node's HTTP port; anything but 200 is an error naming the path. */
    private static com.fasterxml.jackson.databind.JsonNode getJson(int httpPort, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
