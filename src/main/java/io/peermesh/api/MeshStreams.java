package io.peermesh.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Feeds every open {@code /mesh/stream}: one timer for all of them, running only while one is open,
 * builds the mesh view every {@value #CHECK_MILLIS} ms and sends it when it differs from the last
 * one sent (new streams get it at once). 500 ms plus the summaries' 1 s tick keeps a change within
 * the 2 s on the page; a view is built once for all streams, not once per client.
 */
@ApplicationScoped
public class MeshStreams {

    static final long CHECK_MILLIS = 500;

    private final Vertx vertx;
    private final PeerService service;
    private final ObjectMapper json;
    private final Set<SseStream> open = ConcurrentHashMap.newKeySet();
    private long timer = -1;
    private String last;
    private long sent;
    private boolean stopped;

    @Inject
    public MeshStreams(Vertx vertx, PeerService service, ObjectMapper json) {
        this.vertx = vertx;
        this.service = service;
        this.json = json;
    }

    /** The view of a running node, built on its loop (the member list lives there). */
    static Future<MeshView> view(PeerNode node) {
        return node.members().map(members -> MeshView.of(node.nodeId(), members, node.linkSummaries(),
                node.readiness(), System.currentTimeMillis()));
    }

    void add(SseStream stream) {
        open.add(stream);
        stream.onClose(() -> open.remove(stream));
        synchronized (this) {
            if (stopped) {
                stream.close();
                return;
            }
            if (timer < 0) {
                timer = vertx.setPeriodic(CHECK_MILLIS, id -> check());
            }
        }
        PeerNode node = service.node();
        if (node != null) {
            view(node).onSuccess(v -> stream.send("mesh", null, ApiError.write(json, v)));
        }
    }

    /** Builds the view and sends it to every stream when it changed. */
    void check() {
        synchronized (this) {
            if (open.isEmpty() && timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
                last = null;
                return;
            }
        }
        PeerNode node = service.node();
        if (node == null) {
            return;
        }
        view(node).onSuccess(v -> {
            // generatedAt and the report ages change every time; compare what they describe.
            String body = ApiError.write(json, v);
            String shape = ApiError.write(json, new MeshView(v.self(), null, v.ready(), v.reason(), v.problems(),
                    v.members().stream().map(m -> new MeshView.MeshMember(m.nodeid(), m.id(), m.addr(), m.state(),
                            null, m.metadata(), m.self(), m.direct(), null)).toList(),
                    v.links().stream().map(l -> new MeshView.MeshLink(l.from(), l.to(), l.addr(), l.state(),
                            l.rttMillis(), l.loss(), 0)).toList()));
            boolean changed;
            synchronized (this) {
                changed = !shape.equals(last);
                last = shape;
            }
            if (changed) {
                sent++;
                for (SseStream s : open) {
                    s.send("mesh", null, body);
                }
            }
        });
    }

    /** Views sent (tests). */
    synchronized long sent() {
        return sent;
    }

    /** True while the timer runs (lifecycle tests: none once every stream closed or the app stopped). */
    synchronized boolean running() {
        return timer >= 0;
    }

    void onStop(@Observes ShutdownEvent event) {
        synchronized (this) {
            stopped = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
        open.forEach(SseStream::close);
        open.clear();
    }
}
