package io.peermesh.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The open event streams: counted ({@code p2p_api_streams{stream}}), their cut-offs counted
 * ({@code p2p_api_stream_cutoffs_total{stream}}), and all closed when the application stops.
 */
@ApplicationScoped
public class Streams {

    static final List<String> NAMES = List.of("members", "messages");

    private final Vertx vertx;
    private final MeterRegistry registry;
    private final Set<SseStream> open = ConcurrentHashMap.newKeySet();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, Counter> cutoffs = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    @Inject
    public Streams(Vertx vertx, MeterRegistry registry) {
        this.vertx = vertx;
        this.registry = registry;
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

    /** A new stream for this client; closed at once if the application is stopping. */
    SseStream open(String name, SseEventSink sink, Sse sse) {
        SseStream s = new SseStream(name, sink, sse, this);
        open.add(s);
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
        stopped = true;
        for (SseStream s : List.copyOf(open)) {
            s.close();
        }
        meters.forEach(registry::remove);
        meters.clear();
    }
}
