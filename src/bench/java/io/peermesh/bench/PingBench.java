package io.peermesh.bench;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.peermesh.metrics.MicrometerNodeObserver;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.MsgType;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Sections 2, 3 and 5c: ping round trips one at a time, pipelined pings, and bytes allocated per
 * round trip, through a node and through a raw Vert.x line echo on the same loopback. The client
 * is the same raw Vert.x client in every case, on a Vert.x of its own with one event loop, so the
 * client never shares a thread with the server it measures. Then the node path is profiled with
 * JFR.
 */
final class PingBench {

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;

    PingBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    /** Remembers the thread a node runs on (its event loop). */
    static final class ThreadCapture implements NodeObserver {
        volatile String thread;
        volatile long threadId = -1;

        @Override
        public void received(MsgType type, int bytes) {
            if (thread == null) {
                threadId = Thread.currentThread().getId();
                thread = Thread.currentThread().getName();
            }
        }
    }

    /** One way to the other end: the echo server, a node, or a node with its metrics observer. */
    record Target(String name, LineClient client, boolean node, String serverThread) {
    }

    void run() throws Exception {
        int warm = opts.pick(5_000, 20_000);
        int rounds = opts.pick(2, 4);
        int perRound = 5_000; // 10k (quick) or 20k (full) measured round trips per path, in rounds of rotating order
        long tputWarmMs = opts.pick(1000, 2000);
        long tputMs = opts.pick(2000, 5000);
        int window = 1000;

        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        EchoServer echo = new EchoServer();
        Loops.await(vertx.deployVerticle(echo), Duration.ofSeconds(10));
        NodeConfig cfg = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).build(); // defaults: ping 2s/6s
        ThreadCapture nodeThread = new ThreadCapture();
        PeerNode node = Loops.await(PeerNode.deploy(vertx, cfg, NodeClock.SYSTEM, nodeThread), Duration.ofSeconds(10));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerNodeObserver metrics = new MicrometerNodeObserver(registry);
        PeerNode metered = Loops.await(PeerNode.deploy(vertx, cfg, NodeClock.SYSTEM, metrics), Duration.ofSeconds(10));
        metrics.bindGauges(metered);

        io.vertx.core.Context cctx = Loops.newContext(clientVertx);
        LineClient toEcho = Loops.await(LineClient.connect(clientVertx, cctx, "127.0.0.1", echo.port()), Duration.ofSeconds(10));
        LineClient toNode = Loops.await(LineClient.connect(clientVertx, cctx, "127.0.0.1", node.port()), Duration.ofSeconds(10));
        Loops.await(toNode.handshakeAsPeer("peermesh", l -> { }), Duration.ofSeconds(10));
        LineClient toMetered = Loops.await(LineClient.connect(clientVertx, cctx, "127.0.0.1", metered.port()), Duration.ofSeconds(10));
        Loops.await(toMetered.handshakeAsPeer("peermesh", l -> { }), Duration.ofSeconds(10));
        Loops.sleep(200);
        String clientThread = Loops.await(Loops.on(cctx, () -> Future.succeededFuture(Thread.currentThread().getName())),
                Duration.ofSeconds(5)) + " of the client's Vert.x";
        long clientThreadId = Loops.await(Loops.on(cctx, () -> Future.succeededFuture(Thread.currentThread().getId())),
                Duration.ofSeconds(5));

        List<Target> targets = List.of(
                new Target("raw echo", toEcho, false, null),
                new Target("node", toNode, true, null),
                new Target("node + Micrometer observer", toMetered, true, null));

        // Warm-up: the JIT compiles both paths before anything is measured.
        for (Target t : targets) {
            rtt(t, warm);
            throughput(t, window, tputWarmMs / 2, tputWarmMs);
        }

        Map<String, List<long[]>> samples = new LinkedHashMap<>();
        targets.forEach(t -> samples.put(t.name(), new ArrayList<>()));
        Map<String, long[]> alloc = new LinkedHashMap<>(); // bytes, round trips
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < targets.size(); k++) {
                Target t = targets.get((k + r) % targets.size());
                System.gc();
                Alloc a = Alloc.start();
                long[] s = rtt(t, perRound);
                long bytes = a.bytes();
                samples.computeIfAbsent(t.name(), key -> new ArrayList<>()).add(s);
                long[] acc = alloc.computeIfAbsent(t.name(), key -> new long[2]);
                acc[0] += bytes;
                acc[1] += perRound;
            }
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        targets.forEach(x -> rates.put(x.name(), new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < targets.size(); k++) {
                Target t = targets.get((k + r) % targets.size());
                rates.computeIfAbsent(t.name(), key -> new ArrayList<>()).add(throughput(t, window, tputWarmMs, tputMs));
            }
        }

        // JFR: the node path alone, then the echo path alone, each with the same work.
        Path nodeJfr = opts.out.resolve("node-path.jfr");
        Path echoJfr = opts.out.resolve("echo-path.jfr");
        long profileMs = opts.pick(2000, 10_000);
        profile(nodeJfr, () -> {
            rtt(targets.get(1), perRound);
            throughput(targets.get(1), window, 500, profileMs);
        });
        profile(echoJfr, () -> {
            rtt(targets.get(0), perRound);
            throughput(targets.get(0), window, 500, profileMs);
        });

        boolean stillConnected = node.peerCount() == 1 && metered.peerCount() == 1;
        Loops.await(toEcho.close(), Duration.ofSeconds(5));
        Loops.await(toNode.close(), Duration.ofSeconds(5));
        Loops.await(toMetered.close(), Duration.ofSeconds(5));
        Loops.await(node.close(), Duration.ofSeconds(10));
        Loops.await(metered.close(), Duration.ofSeconds(10));
        metrics.close();
        Loops.await(vertx.undeploy(echo.deploymentID()), Duration.ofSeconds(10));
        Loops.await(clientVertx.close(), Duration.ofSeconds(10));

        // ---------------------------------------------------------------- results
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("warmupRoundTrips", warm);
        data.put("measuredRoundTripsPerPath", rounds * perRound);
        data.put("pipelineWindow", window);
        data.put("throughputSecondsPerRound", tputMs / 1000.0);
        data.put("rounds", rounds);
        data.put("threads", Map.of("client", clientThread, "echoServer", String.valueOf(echo.threadName),
                "node", String.valueOf(nodeThread.thread)));
        data.put("nodeKeptTheClientAsPeer", stillConnected);
        Map<String, Object> rttData = new LinkedHashMap<>();
        Map<String, long[]> sorted = new LinkedHashMap<>();
        for (Map.Entry<String, List<long[]>> e : samples.entrySet()) {
            long[] all = e.getValue().stream().flatMapToLong(Arrays::stream).toArray();
            Arrays.sort(all);
            sorted.put(e.getKey(), all);
            Map<String, Object> m = Stats.latencyMicros(all);
            m.put("cdf", cdf(all));
            rttData.put(e.getKey(), m);
        }
        data.put("rtt", rttData);
        Map<String, Object> tputData = new LinkedHashMap<>();
        rates.forEach((k, v) -> tputData.put(k, Map.of("messagesPerSecondByRound", v,
                "messagesPerSecond", Stats.median(v.stream().mapToDouble(Double::doubleValue).toArray()))));
        data.put("throughput", tputData);
        Map<String, Object> allocData = new LinkedHashMap<>();
        alloc.forEach((k, v) -> allocData.put(k, Map.of("bytes", v[0], "roundTrips", v[1], "bytesPerRoundTrip",
                (double) v[0] / v[1])));
        data.put("allocation", allocData);

        long[] echoS = sorted.get("raw echo");
        long[] nodeS = sorted.get("node");
        long[] metS = sorted.get("node + Micrometer observer");
        double e50 = Stats.percentile(echoS, 50) / 1000.0;
        double e99 = Stats.percentile(echoS, 99) / 1000.0;
        double n50 = Stats.percentile(nodeS, 50) / 1000.0;
        double n99 = Stats.percentile(nodeS, 99) / 1000.0;
        double m50 = Stats.percentile(metS, 50) / 1000.0;
        double m99 = Stats.percentile(metS, 99) / 1000.0;
        report.info("2a", "ping RTT, raw Vert.x echo baseline (p50 / p99)", e50, "us",
                String.format("%s / %s us", Stats.fmt(e50), Stats.fmt(e99)),
                rounds * perRound + " sequential round trips after " + warm + " warm-up");
        report.target("2b", "ping RTT through the node, p50 vs baseline", n50 / e50, "x",
                String.format("%s / %s us (p50 %.2fx, p99 %.2fx baseline)", Stats.fmt(n50), Stats.fmt(n99), n50 / e50, n99 / e99),
                Report.Goal.AT_MOST, 1.5, "p50 <= 1.5x baseline",
                "hello/ping/pong over one connection, NodeObserver.NONE-like observer");
        report.info("2c", "ping RTT, node + Micrometer observer (p50 / p99)", m50, "us",
                String.format("%s / %s us (p50 %.2fx baseline)", Stats.fmt(m50), Stats.fmt(m99), m50 / e50),
                "as the Quarkus app runs it (Prometheus registry)");
        double eT = (double) ((Map<?, ?>) tputData.get("raw echo")).get("messagesPerSecond");
        double nT = (double) ((Map<?, ?>) tputData.get("node")).get("messagesPerSecond");
        double mT = (double) ((Map<?, ?>) tputData.get("node + Micrometer observer")).get("messagesPerSecond");
        report.info("3a", "throughput, raw echo baseline", eT, "msg/s", String.format("%,.0f msg/s", eT),
                "pipelined, " + window + " pings in flight, one connection");
        report.target("3b", "throughput through the node vs baseline", nT / eT, "x",
                String.format("%,.0f msg/s (%.2fx baseline)", nT, nT / eT), Report.Goal.AT_LEAST, 0.5, ">= 0.5x baseline",
                "");
        report.info("3c", "throughput, node + Micrometer observer", mT / eT, "x",
                String.format("%,.0f msg/s (%.2fx baseline)", mT, mT / eT), "");
        double aE = (double) alloc.get("raw echo")[0] / alloc.get("raw echo")[1];
        double aN = (double) alloc.get("node")[0] / alloc.get("node")[1];
        double aM = (double) alloc.get("node + Micrometer observer")[0] / alloc.get("node + Micrometer observer")[1];
        report.info("5c", "bytes allocated per ping round trip (node minus echo)", aN - aE, "B",
                String.format("%,.0f B (node %,.0f, echo %,.0f, +Micrometer %,.0f)", aN - aE, aN, aE, aM),
                "all threads (client + server) over the measured round trips; the client's share cancels out");

        Map<String, Object> jfr = new LinkedHashMap<>();
        jfr.put("nodePath", JfrTop.analyze(nodeJfr, nodeThread.threadId, "node " + nodeThread.thread));
        jfr.put("nodePathClientThread", JfrTop.analyze(nodeJfr, clientThreadId, "client " + clientThread));
        jfr.put("echoPath", JfrTop.analyze(echoJfr, echo.threadId, "echo server " + echo.threadName));
        data.put("jfr", jfr);
        report.section("ping", data);
        Charts.rtt(opts.out.resolve("rtt.png"), sorted);
        System.out.println(JfrTop.text("node event loop during RTT + throughput (" + nodeJfr.getFileName() + ")",
                (Map<?, ?>) jfr.get("nodePath")));
        System.out.println(JfrTop.text("echo server event loop (" + echoJfr.getFileName() + ")", (Map<?, ?>) jfr.get("echoPath")));
    }

    interface Work {
        void run() throws Exception;
    }

    private static void profile(Path file, Work work) throws Exception {
        Recording r = new Recording(Configuration.getConfiguration("profile"));
        r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(5));
        r.setDestination(file);
        r.start();
        try {
            work.run();
        } finally {
            r.stop();
            r.close();
        }
    }

    /** Latency (us) at percentiles 0.1 .. 99.9 for the chart and the JSON. */
    private static List<double[]> cdf(long[] sorted) {
        List<double[]> points = new ArrayList<>();
        for (double p = 0.5; p <= 99.0; p += 0.5) {
            points.add(new double[] {p, Stats.percentile(sorted, p) / 1000.0});
        }
        for (double p : new double[] {99.5, 99.9, 99.99, 100}) {
            points.add(new double[] {p, Stats.percentile(sorted, p) / 1000.0});
        }
        return points;
    }

    // ---------------------------------------------------------------- the two loops

    /** {@code n} round trips, each sent when the previous answer arrived; nanoseconds each. */
    static long[] rtt(Target t, int n) {
        LineClient c = t.client();
        Future<long[]> f = Loops.on(c.context, () -> {
            Promise<long[]> done = Promise.promise();
            long[] samples = new long[n];
            int[] i = {0};
            long[] sentAt = {0};
            long[] seq = {System.nanoTime() & 0xffffff00000000L};
            byte[][] nonce = {null};
            Runnable send = () -> {
                String text = LineClient.nonce(++seq[0]);
                nonce[0] = text.getBytes(StandardCharsets.US_ASCII);
                sentAt[0] = System.nanoTime();
                c.write(LineClient.ping(text));
            };
            c.onLine(line -> {
                long now = System.nanoTime();
                if (t.node() && c.peerLine(line)) {
                    return; // the node's own ping or getaddr, answered
                }
                if (!answers(line, nonce[0])) {
                    return; // e.g. an addr line
                }
                samples[i[0]++] = now - sentAt[0];
                if (i[0] == n) {
                    c.onLine(l -> {
                        if (t.node()) {
                            c.peerLine(l);
                        }
                    });
                    done.complete(samples);
                } else {
                    send.run();
                }
            });
            send.run();
            return done.future();
        });
        return Loops.await(f, Duration.ofSeconds(120));
    }

    /** True when the line is the echo of, or the pong to, the ping with this nonce. */
    private static boolean answers(Buffer line, byte[] nonce) {
        int at = LineClient.PING_PREFIX.length(); // "pong" and "ping" prefixes have the same length
        if (line.length() < at + nonce.length) {
            return false;
        }
        for (int k = 0; k < nonce.length; k++) {
            if (line.getByte(at + k) != nonce[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Pipelined pings: {@code window} in flight, a new one sent for each answer. Answers per
     * second over {@code measureMs} after {@code warmMs}.
     */
    static double throughput(Target t, int window, long warmMs, long measureMs) {
        LineClient c = t.client();
        Future<Double> f = Loops.on(c.context, () -> {
            Promise<Double> done = Promise.promise();
            long[] answered = {0};
            long[] sent = {0};
            boolean[] sending = {true};
            long[] mark = new long[4]; // count and time at start, at end
            String nonce = LineClient.nonce(1);
            c.onLine(line -> {
                if (t.node()) {
                    if (c.peerLine(line)) {
                        return;
                    }
                    if (line.length() <= LineClient.TYPE1 || line.getByte(LineClient.TYPE0) != 'p'
                            || line.getByte(LineClient.TYPE1) != 'o') {
                        return;
                    }
                }
                answered[0]++;
                if (sending[0]) {
                    c.write(LineClient.ping(nonce));
                    sent[0]++;
                } else if (answered[0] == sent[0]) {
                    done.tryComplete((mark[2] - mark[0]) * 1e9 / (mark[3] - mark[1]));
                }
            });
            for (int k = 0; k < window; k++) {
                c.write(LineClient.ping(nonce));
                sent[0]++;
            }
            c.context.owner().setTimer(warmMs, id -> {
                mark[0] = answered[0];
                mark[1] = System.nanoTime();
                c.context.owner().setTimer(measureMs, id2 -> {
                    mark[2] = answered[0];
                    mark[3] = System.nanoTime();
                    sending[0] = false;
                    // drained: completes on the last answer; if none is outstanding, now
                    if (answered[0] == sent[0]) {
                        done.tryComplete((mark[2] - mark[0]) * 1e9 / (mark[3] - mark[1]));
                    }
                    c.context.owner().setTimer(10_000, id3 -> done.tryFail("answers missing: " + (sent[0] - answered[0])));
                });
            });
            return done.future();
        });
        double rate = Loops.await(f, Duration.ofMillis(warmMs + measureMs + 30_000));
        Loops.sleep(50);
        return rate;
    }
}
