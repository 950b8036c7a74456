package io.peermesh.bench;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.parsetools.RecordParser;
import java.util.Arrays;

/**
 * A fast SSE client of {@code /messages/stream}: it reads every line as it comes (Vert.x decodes the
 * chunked body), counts {@code message} events, notes when the first and last arrived, and, for
 * events whose payload carries {@code "t":<System.nanoTime() at POST>} (the publisher is in this
 * JVM), the latency from POST to arrival here. An {@code overflow} event (the server cut the client
 * off) is noted with its time.
 *
 * <p>Threading: the parser runs on the client's event-loop context; the counters are read from the
 * bench thread, so they are volatile (one writer) and the latency window is guarded by this.
 */
final class SseClient {

    private static final int MAX_SAMPLES = 1 << 20;

    private volatile long events;
    private volatile long firstNanos;
    private volatile long lastNanos;
    private volatile long overflowNanos;
    private volatile boolean ended;
    private String event = "";
    private long[] samples = new long[1024];
    private int sampleCount;

    /** Connects and resolves once the response headers (200) arrived. */
    static Future<SseClient> open(HttpClient http, int port, String path) {
        SseClient c = new SseClient();
        return http.request(HttpMethod.GET, port, "127.0.0.1", path)
                .compose(req -> req.putHeader("Accept", "text/event-stream").send())
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("GET " + path + ": HTTP " + resp.statusCode());
                    }
                    RecordParser lines = RecordParser.newDelimited("\n", b -> c.line(b.toString()));
                    resp.handler(lines);
                    resp.endHandler(v -> c.ended = true);
                    resp.exceptionHandler(e -> c.ended = true);
                    return c;
                });
    }

    private void line(String l) {
        if (l.startsWith("event:")) {
            event = l.substring(6).trim();
            if (event.equals("overflow")) {
                overflowNanos = System.nanoTime();
            }
        } else if (l.startsWith("data:") && event.equals("message")) {
            long now = System.nanoTime();
            if (events == 0) {
                firstNanos = now;
            }
            lastNanos = now;
            events = events + 1; // one writer: this context
            long t = sentNanos(l);
            if (t != 0) {
                synchronized (this) {
                    if (sampleCount == samples.length && samples.length < MAX_SAMPLES) {
                        samples = Arrays.copyOf(samples, samples.length * 2);
                    }
                    if (sampleCount < samples.length) {
                        samples[sampleCount++] = now - t;
                    }
                }
            }
        } else if (l.isEmpty()) {
            event = "";
        }
    }

    /** The {@code "t":} number inside the payload, 0 if none. */
    private static long sentNanos(String data) {
        int p = data.indexOf("\"payload\":");
        int i = p < 0 ? -1 : data.indexOf("\"t\":", p);
        if (i < 0) {
            return 0;
        }
        long v = 0;
        boolean neg = false;
        for (int k = i + 4; k < data.length(); k++) {
            char ch = data.charAt(k);
            if (ch == '-') {
                neg = true;
            } else if (ch >= '0' && ch <= '9') {
                v = v * 10 + (ch - '0');
            } else {
                break;
            }
        }
        return neg ? -v : v;
    }

    long events() {
        return events;
    }

    long firstNanos() {
        return firstNanos;
    }

    long lastNanos() {
        return lastNanos;
    }

    /** 0 if the server never cut this client off. */
    long overflowNanos() {
        return overflowNanos;
    }

    boolean ended() {
        return ended;
    }

    /** The latencies since the last call, sorted; starts a new window. */
    synchronized long[] takeLatencies() {
        long[] s = Arrays.copyOf(samples, sampleCount);
        sampleCount = 0;
        Arrays.sort(s);
        return s;
    }
}
