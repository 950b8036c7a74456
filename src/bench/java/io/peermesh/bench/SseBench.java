package io.peermesh.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The app's event stream under load: the packaged app (one node, no peers: a broadcast it publishes
 * is delivered to its own subscribers) with {@code p2p.api.writes=loopback} and the publish limit
 * ({@code p2p.broadcast.publish-rate}/{@code -burst}) raised out of the way.
 * <ul>
 *   <li>throughput: one fast client on {@code /messages/stream?topic=bench}; a burst of small
 *       broadcasts POSTed with a window of requests in flight; events/s as the client received them.
 *   <li>slow consumer: a steady rate of 1 KiB broadcasts, first with the fast client alone, then with
 *       a second client that sends its request and never reads: when the server cuts it off (the
 *       {@code p2p_api_stream_cutoffs_total} counter), the node's heap and RSS, and the fast client's
 *       POST-to-event latency in both phases.
 * </ul>
 * Publisher, clients and the app share this machine's cores, so every figure includes their cost.
 */
final class SseBench {

    static final List<String> SETTINGS = List.of("-Dp2p.api.writes=loopback", "-Dp2p.broadcast.publish-rate=1000000",
            "-Dp2p.broadcast.publish-burst=1000000");
    static final String STREAM = "/messages/stream?topic=bench";

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;

    SseBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    void run() throws Exception {
        if (!Files.isRegularFile(opts.jar)) {
            report.failed("7d", "SSE events/s, one client", "—", "no " + opts.jar + ": run ./mvnw package first");
            return;
        }
        int window = 32;
        HttpClient posts = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(window));
        HttpClient streams = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(4));
        Map<String, Object> data = new LinkedHashMap<>();
        try (AppProcess app = AppProcess.start(opts.jar, SETTINGS, opts.out.resolve("broadcast-app.log"), posts)) {
            data.put("command", "java " + String.join(" ", StartBench.DEPLOYED_FLAGS) + " " + String.join(" ", SETTINGS)
                    + " -Dp2p.host=127.0.0.1 -jar quarkus-run.jar");
            SseClient fast = Loops.await(SseClient.open(streams, app.httpPort, STREAM), Duration.ofSeconds(10));
            throughput(app, fast, window, data);
            slowConsumer(app, fast, data);
        } finally {
            posts.close();
            streams.close();
            report.section("broadcast-sse", data);
        }
    }

    private void throughput(AppProcess app, SseClient fast, int window, Map<String, Object> data) {
        SsePublisher pub = new SsePublisher(app, 16);
        int warm = opts.pick(3_000, 10_000);
        Loops.await(pub.burst(warm, window), Duration.ofSeconds(60)); // JIT: not measured
        waitForEvents(fast, pub.accepted.get(), Duration.ofSeconds(20));
        long before = fast.events();
        long accepted0 = pub.accepted.get();
        int total = opts.pick(10_000, 50_000);
        long t0 = System.nanoTime();
        Loops.await(pub.burst(total, window), Duration.ofSeconds(120));
        long postsDone = pub.lastDoneNanos();
        long accepted = pub.accepted.get() - accepted0;
        boolean all = waitForEvents(fast, before + accepted, Duration.ofSeconds(20));
        long got = fast.events() - before;
        double secs = (fast.lastNanos() - t0) / 1e9;
        double eventsPerSec = got / secs;
        double postsPerSec = accepted / ((postsDone - t0) / 1e9);
        long[] lat = fast.takeLatencies();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("posted", total);
        m.put("accepted", accepted);
        m.put("refused", pub.refused.get());
        m.put("failed", pub.failed.get());
        m.put("received", got);
        m.put("requestsInFlight", window);
        m.put("postsPerSecond", postsPerSec);
        m.put("eventsPerSecond", eventsPerSec);
        m.put("clientCutOff", fast.overflowNanos() != 0);
        m.put("postToEvent", Stats.latencyMicros(lat));
        data.put("throughput", m);
        report.info("7d", "SSE /messages/stream: events/s one fast client receives (burst via POST /broadcast)", eventsPerSec,
                "events/s", String.format("%,.0f events/s (%,d of %,d; POSTs answered at %,.0f/s)", eventsPerSec, got, accepted,
                        postsPerSec), "—",
                String.format("one app process (no peers), %d POSTs in flight over keep-alive HTTP/1.1, 16-byte payloads, publish "
                        + "limit raised (%s); %s; publisher, client and app on the same %d cores, so this is the end-to-end rate of "
                        + "the API path (POST, publish, SSE write), bounded by whichever is slowest; POST to event p50 %s / p99 %s ms%s",
                        window, String.join(" ", SETTINGS.subList(1, 3)), all ? "every accepted broadcast arrived"
                                : "NOT all arrived within 20 s", Runtime.getRuntime().availableProcessors(),
                        Stats.fmt(Stats.percentile(lat, 50) / 1e6), Stats.fmt(Stats.percentile(lat, 99) / 1e6),
                        fast.overflowNanos() != 0 ? "; the fast client was CUT OFF" : ""));
    }

    private static boolean waitForEvents(SseClient c, long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (c.events() < count) {
            if (System.nanoTime() > deadline || c.ended()) {
                return false;
            }
            Loops.sleep(5);
        }
        return true;
    }

    private void slowConsumer(AppProcess app, SseClient fast, Map<String, Object> data) throws Exception {
        int rate = opts.pick(1_000, 2_000);
        int pad = 1024;
        Duration baseline = Duration.ofSeconds(opts.pick(5, 10));
        Duration maxSlow = Duration.ofSeconds(opts.pick(40, 60));
        SsePublisher pub = new SsePublisher(app, pad);
        AppMemory mem = new AppMemory(app);
        long timer = pub.steady(vertx, rate, 512);
        Loops.sleep(3000); // unmeasured: the burst's backlog (GC) settles, the 1 KiB path is compiled
        mem.sample();
        mem.takePeak();
        fast.takeLatencies();
        long a0 = System.nanoTime();
        long aAccepted0 = pub.accepted.get();
        while (System.nanoTime() - a0 < baseline.toNanos()) {
            Loops.sleep(250);
            mem.sample();
        }
        double rateA = (pub.accepted.get() - aAccepted0) / ((System.nanoTime() - a0) / 1e9);
        long[] latA = fast.takeLatencies();
        AppMemory.Peak peakA = mem.takePeak();

        long publishedAtConnect = pub.accepted.get();
        double cutoffs0 = AppProcess.metric(app.metrics(), "p2p_api_stream_cutoffs_total", "messages");
        if (Double.isNaN(cutoffs0)) {
            throw new IllegalStateException("the app exports no p2p_api_stream_cutoffs_total{stream=messages}: cannot see a cut");
        }
        long slowAt = System.nanoTime();
        long cutAt = 0;
        long publishedAtCut = -1;
        try (Socket slow = new Socket()) {
            slow.connect(new InetSocketAddress("127.0.0.1", app.httpPort), 2000);
            OutputStream out = slow.getOutputStream();
            out.write(("GET " + STREAM + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // ... and never read until the end: the node's write queue to it grows until the cut.
            long end = slowAt + maxSlow.toNanos();
            while (System.nanoTime() < end) {
                Loops.sleep(250);
                mem.sample();
                if (cutAt == 0 && mem.cutoffs > cutoffs0) {
                    cutAt = System.nanoTime();
                    publishedAtCut = pub.accepted.get();
                    end = Math.min(end, cutAt + Duration.ofSeconds(3).toNanos()); // past the 2 s close grace
                }
            }
            double rateB = (pub.accepted.get() - publishedAtConnect) / ((System.nanoTime() - slowAt) / 1e9);
            vertx.cancelTimer(timer);
            long[] latB = fast.takeLatencies();
            AppMemory.Peak peakB = mem.takePeak();
            Loops.sleep(1000);
            mem.sample(); // publishing stopped, the slow client still connected and not reading
            AppMemory.Peak after = mem.takePeak();
            SlowRead read = SlowRead.drain(slow);
            slow.close();
            Loops.sleep(1000);
            mem.sample();
            AppMemory.Peak gone = mem.takePeak();
            // The fast client alone once more: how much of a difference between the phases is noise.
            long timerC = pub.steady(vertx, rate, 512);
            long c0 = System.nanoTime();
            while (System.nanoTime() - c0 < baseline.toNanos()) {
                Loops.sleep(250);
            }
            vertx.cancelTimer(timerC);
            long[] latC = fast.takeLatencies();
            record(data, rate, pad, rateA, latA, peakA, rateB, latB, peakB, after, gone, latC,
                    slowAt, cutAt, publishedAtConnect, publishedAtCut, read, fast, pub);
        }
    }

    private void record(Map<String, Object> data, int rate, int pad, double rateA, long[] latA, AppMemory.Peak peakA, double rateB,
            long[] latB, AppMemory.Peak peakB, AppMemory.Peak after, AppMemory.Peak gone, long[] latC, long slowAt, long cutAt,
            long publishedAtConnect, long publishedAtCut, SlowRead read, SseClient fast, SsePublisher pub) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean cut = cutAt != 0;
        double cutSecs = cut ? (cutAt - slowAt) / 1e9 : Double.NaN;
        long eventsToCut = cut ? publishedAtCut - publishedAtConnect : -1;
        m.put("targetRatePerSecond", rate);
        m.put("payloadPadBytes", pad);
        m.put("rateWithoutSlowClient", rateA);
        m.put("rateWithSlowClient", rateB);
        m.put("slowClientCutOff", cut);
        m.put("secondsToCutOff", cutSecs);
        m.put("broadcastsPublishedUntilCutOff", eventsToCut);
        m.put("slowClientBytesReadAfterwards", read.bytes());
        m.put("slowClientSawOverflowEvent", read.sawOverflow());
        m.put("slowClientSawResponseEnd", read.responseEnded());
        m.put("slowClientSawClose", read.eof());
        m.put("fastOnly", peakA.map());
        m.put("withSlowClient", peakB.map());
        m.put("oneSecondAfterPublishingStoppedSlowClientStillConnected", after.map());
        m.put("oneSecondAfterSlowClientReadAllAndClosed", gone.map());
        m.put("fastLatencyWithoutSlow", Stats.latencyMicros(latA));
        m.put("fastLatencyWithSlow", Stats.latencyMicros(latB));
        m.put("fastLatencyWithoutSlowAgain", Stats.latencyMicros(latC));
        m.put("fastClientCutOff", fast.overflowNanos() != 0);
        m.put("publishRefused", pub.refused.get());
        m.put("publishFailed", pub.failed.get());
        m.put("publisherTicksSkipped", pub.skipped.get());
        data.put("slowConsumer", m);
        report.condition("7e", "SSE client that never reads: cut off (overflow) while publishing " + rate + "/s", cut,
                cut ? String.format("cut off after %.1f s (%,d broadcasts of ~%d B after it connected)", cutSecs, eventsToCut, pad + 150)
                        : "NOT cut off within the run",
                "cut off after 4,096 unsent events (SseStream.MAX_UNSENT)",
                String.format("the client sends its GET and reads nothing; the cut is seen as p2p_api_stream_cutoffs_total{stream=messages} "
                        + "(scraped every 250 ms); before it the kernel's socket buffers hold what they can, then 4,096 events wait in "
                        + "the node; read afterwards, the client had %,d bytes waiting, %s, %s, %s", read.bytes(),
                        read.sawOverflow() ? "the overflow event among them" : "no overflow event (it queued behind the unsent ones)",
                        read.responseEnded() ? "then the end of the response" : "no end of the response",
                        read.eof() ? "then the server closed the connection" : "and the connection stayed open (HTTP/1.1 keep-alive; 3 s waited)"));
        report.info("7f", "node memory while a never-reading client is connected: held buffers / heap / RSS", peakB.maxPinned
                / (1 << 20), "MiB", String.format("Netty buffers in use peak %.1f → %.1f MiB, heap used peak %.0f → %.0f MiB, RSS peak "
                        + "%.0f → %.0f MiB (fast client only → with the slow one); publishing stopped, slow client still there: buffers "
                        + "%.1f MiB, RSS %.0f MiB; after it read everything and closed: buffers %.1f MiB, RSS %.0f MiB",
                        AppMemory.mib(peakA.maxPinned), AppMemory.mib(peakB.maxPinned), AppMemory.mib(peakA.maxHeap), AppMemory.mib(peakB.maxHeap), AppMemory.mib(peakA.maxRss),
                        AppMemory.mib(peakB.maxRss), AppMemory.mib(after.maxPinned), AppMemory.mib(after.maxRss), AppMemory.mib(gone.maxPinned), AppMemory.mib(gone.maxRss)), "—",
                "sampled every 250 ms: netty_allocator_memory_pinned (bytes of Netty buffers allocated and not released: the "
                        + "queued writes), jvm_memory_used_bytes{area=heap} (garbage included), VmRSS of the app; what a stuck client "
                        + "holds is its 4,096 unsent events (plus what the kernel's socket buffers took, outside the process), "
                        + "until it reads or its connection goes");
        double a50 = Stats.percentile(latA, 50) / 1e6;
        double a99 = Stats.percentile(latA, 99) / 1e6;
        double b50 = Stats.percentile(latB, 50) / 1e6;
        double b99 = Stats.percentile(latB, 99) / 1e6;
        double c50 = Stats.percentile(latC, 50) / 1e6;
        double c99 = Stats.percentile(latC, 99) / 1e6;
        report.info("7g", "fast client's POST-to-event latency (p50 / p99): alone → beside the slow client → alone again", b99, "ms",
                String.format("%s / %s → %s / %s → %s / %s ms", Stats.fmt(a50), Stats.fmt(a99), Stats.fmt(b50), Stats.fmt(b99),
                        Stats.fmt(c50), Stats.fmt(c99)), "—",
                String.format("the same stream of %d/s (%.0f/s and %.0f/s achieved in the first two) of ~1 KiB broadcasts; %,d / %,d / "
                        + "%,d events measured; the middle figure covers the slow client's whole life, until 3 s after its cut; the "
                        + "third tells how much of a difference is noise%s", rate, rateA, rateB, latA.length, latB.length, latC.length,
                        fast.overflowNanos() != 0 ? "; the FAST client was cut off too" : ""));
    }
}
