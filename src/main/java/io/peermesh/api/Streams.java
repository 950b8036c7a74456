package io.peermesh.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.peermesh.service.P2pConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The open event streams: at most {@code p2p.api.max-streams} of them, counted
 * ({@code p2p_api_streams{stream}}), their cut-offs counted ({@code p2p_api_stream_cutoffs_total{stream}}),
 * a heartbeat comment every {@value #HEARTBEAT_MILLIS} ms to each (proxies close idle connections,
 * often after 60 s, and a write is how a client that vanished without a FIN is found), those whose
 * connection closed let go of within {@value #SWEEP_MILLIS} ms (so an idle stream's subscription and
 * slot do not outlive its client), and all closed when the application stops.
 */
@ApplicationScoped
public class Streams {

    static final List<String> NAMES = List.of("members", "messages", "mesh");
    static final long HEARTBEAT_MILLIS = 15_000;
    static final long SWEEP_MILLIS = 1_000;

    private final Vertx vertx;
    private final MeterRegistry registry;
    private final Set<SseStream> open = ConcurrentHashMap.newKeySet();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Map<String, Counter> cutoffs = new ConcurrentHashMap<>();
    private final int maxStreams;
    private volatile boolean stopped;
    /** Runs only while a stream is open (guarded by {@code open}): an idle node has no timer for the API. */
    private long sweepTimer = -1;
    private long sweeps;

    @Inject
    public Streams(Vertx vertx, MeterRegistry registry, P2pConfig config) {
        this.vertx = vertx;
        this.registry = registry;
        this.maxStreams = config.api().maxStreams();
        if (maxStreams < 1) {
            throw new IllegalArgumentException("p2p.api.max-streams must be at least 1, got " + maxStreams);
        }
        for (String name : NAMES) {
            Counter c = Counter.builder("p2p.api.stream.cutoffs").tag("stream", name)
                    .description("Stream clients cut off for falling behind").register(registry);
            cutoffs.put(name, c);
            meters.add(c);
            meters.add(Gauge.builder("p2p.api.streams", open, s -> count(s, name)).tag("stream", name)
                    .description("Open event streams").register(registry));
        }
    }

    private static double count(Set<SseStream> streams, String name) {
        return streams.stream().filter(s -> s.name().equals(name)).count();
    }

    void onStart(@Observes StartupEvent event) {
        // Created at start, so that a bad p2p.api.max-streams stops the application at once.
    }

    private void sweep() {
        synchronized (open) {
            if (open.isEmpty()) {
                vertx.cancelTimer(sweepTimer);
                sweepTimer = -1;
                return;
            }
        }
        boolean beat = ++sweeps % (HEARTBEAT_MILLIS / SWEEP_MILLIS) == 0;
        for (SseStream s : open) {
            s.closeIfGone();
            if (beat) {
                s.comment("heartbeat");
            }
        }
    }

    /**
     * A new stream for this client; closed at once if the application is stopping. Beyond
     * {@code p2p.api.max-streams} a 503 is thrown before anything is sent, so the client sees a
     * status and a JSON error rather than an empty stream.
     */
    SseStream open(String name, SseEventSink sink, Sse sse, HttpServerRequest request) {
        SseStream s = new SseStream(name, sink, sse, this, () -> request.response().reset());
        synchronized (open) { // check and add as one step: concurrent requests must not overshoot
            if (open.size() >= maxStreams) {
                throw new WebApplicationException(ApiError.response(503, "too_many_streams", maxStreams
                        + " event streams are open (p2p.api.max-streams, env P2P_API_MAX_STREAMS): try later"));
            }
            open.add(s);
            if (sweepTimer < 0 && !stopped) {
                sweeps = 0;
                sweepTimer = vertx.setPeriodic(SWEEP_MILLIS, id -> sweep());
            }
        }
        if (stopped) {
            s.close();
        } else {
            // Writes the response head now, on the request's thread, before the node's loop can send:
            // Quarkus REST's sink writes the head from whichever thread sends first (SseUtil.send and
            // SseEventSinkImpl.sendInitialResponse each check headWritten, then set it), so a snapshot
            // sent from the loop while the request thread was still in sendInitialResponse lost that
            // race, its send threw, and the stream closed: the client had a 200 and no event at all
            // (ThreeNodeApiProcessIT, once in nine full builds on a loaded machine). Clients ignore
            // comments; the first event is still the snapshot.
            s.comment(name);
        }
        return s;
    }

    /** Streams open now (tests). */
    int openCount() {
        return open.size();
    }

    void cutOff(SseStream s) {
        cutoffs.get(s.name()).increment();
    }

    void closed(SseStream s) {
        open.remove(s);
    }

    void later(long millis, Runnable action) {
        if (!stopped) {
            vertx.setTimer(millis, id -> action.run());
        } else {
            action.run();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        synchronized (open) {
            stopped = true;
            if (sweepTimer >= 0) {
                vertx.cancelTimer(sweepTimer);
                sweepTimer = -1;
            }
        }
        for (SseStream s : List.copyOf(open)) {
            s.close();
        }
        meters.forEach(registry::remove);
        meters.clear();
    }
}
