package io.peermesh.api;

import io.peermesh.broadcast.Broadcasts;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.members.Member;
import io.peermesh.members.MemberEvents;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.Metadata;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The mesh for an application in the same JVM.
 *
 * <p>CDI: {@code void on(@Observes MembershipEvent e)} and {@code void on(@Observes MeshMessage m)}
 * are called for every member change and every broadcast delivered here, in order, on one thread
 * of their own (never the node's). Up to {@value #CDI_QUEUE} events wait for slow observers;
 * beyond, events are dropped, counted ({@link #cdiDropped()}) and logged.
 *
 * <p>Mutiny: {@link #membership()} (a snapshot first, then the changes) and {@link #messages}
 * streams, each with a buffer of {@value #STREAM_BUFFER} items; a subscriber that falls further
 * behind gets a failure ({@code BackPressureFailure}) and is cut off.
 */
@ApplicationScoped
public class MeshEvents {

    static final int CDI_QUEUE = 10_000;
    static final int STREAM_BUFFER = 4096;
    private static final Logger LOG = Logger.getLogger(MeshEvents.class.getName());

    @Inject
    PeerService service;
    @Inject
    Event<MembershipEvent> membershipEvents;
    @Inject
    Event<MeshMessage> messageEvents;

    private final AtomicLong cdiDropped = new AtomicLong();
    private ThreadPoolExecutor cdiThread;
    private MemberEvents.Listener memberForwarder;
    private Broadcasts.Listener messageForwarder;

    /** After {@link PeerService} started the node (observers run in priority order). */
    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 900) StartupEvent event) {
        PeerNode node = service.node();
        if (node == null) {
            return;
        }
        cdiThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(CDI_QUEUE),
                r -> {
                    Thread t = new Thread(r, "peermesh-cdi-events");
                    t.setDaemon(true);
                    return t;
                }, (task, executor) -> {
                    if (cdiDropped.incrementAndGet() % 1000 == 1) {
                        LOG.warning("CDI observers of MembershipEvent/MeshMessage are too slow: " + cdiDropped.get()
                                + " events dropped so far");
                    }
                });
        memberForwarder = e -> cdiThread.execute(() -> membershipEvents.fire(MembershipEvent.of(e)));
        node.subscribeMembers(null, memberForwarder, catchup -> { });
        messageForwarder = d -> cdiThread.execute(() -> messageEvents.fire(MeshMessage.of(d)));
        node.subscribeMessages(messageForwarder);
    }

    void onStop(@Observes ShutdownEvent event) {
        PeerNode node = service.node();
        if (node != null && memberForwarder != null) {
            node.unsubscribeMembers(memberForwarder);
            node.unsubscribeMessages(messageForwarder);
        }
        if (cdiThread != null) {
            cdiThread.shutdownNow();
        }
    }

    /** Member changes: first a SNAPSHOT of the whole list, then one event per change. */
    public Multi<MembershipEvent> membership() {
        return Multi.createFrom().<MembershipEvent>emitter(emitter -> {
            PeerNode node = running();
            MemberEvents.Listener l = e -> emitter.emit(MembershipEvent.of(e));
            emitter.onTermination(() -> node.unsubscribeMembers(l));
            node.subscribeMembers(null, l, c -> emitter.emit(MembershipEvent.snapshot(c.lastId(), c.snapshot())));
        }, STREAM_BUFFER).emitOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Broadcasts delivered here from now on; {@code topic} null for all. */
    public Multi<MeshMessage> messages(String topic) {
        return Multi.createFrom().<MeshMessage>emitter(emitter -> {
            PeerNode node = running();
            Broadcasts.Listener l = d -> {
                if (topic == null || topic.equals(d.topic())) {
                    emitter.emit(MeshMessage.of(d));
                }
            };
            emitter.onTermination(() -> node.unsubscribeMessages(l));
            node.subscribeMessages(l);
        }, STREAM_BUFFER).emitOn(Infrastructure.getDefaultWorkerPool());
    }

    public Uni<List<Member>> members() {
        PeerNode node = running();
        return Uni.createFrom().completionStage(() -> node.members().toCompletionStage());
    }

    /**
     * Publishes {@code payloadJson} (a JSON value) to every member; the id, or a failure
     * {@link BroadcastRefused} saying why nothing was sent. Not subject to {@code p2p.api.writes}:
     * code in this JVM is trusted.
     */
    public Uni<String> broadcast(String topic, String payloadJson) {
        PeerNode node = running();
        return Uni.createFrom().completionStage(() -> node.publish(topic, payloadJson).toCompletionStage())
                .map(r -> {
                    if (r instanceof PublishResult.Published p) {
                        return p.id();
                    }
                    PublishResult.Refused refused = (PublishResult.Refused) r;
                    throw new BroadcastRefused(refused.reason(), refused.message());
                });
    }

    /** Replaces the run-time metadata keys (see {@code PUT /node/metadata}). */
    public Uni<Void> setMetadata(Map<String, String> pairs) {
        PeerNode node = running();
        Metadata m = Metadata.of(pairs);
        return Uni.createFrom().completionStage(() -> node.setMetadata(m).toCompletionStage());
    }

    /** CDI events dropped because observers fell behind. */
    public long cdiDropped() {
        return cdiDropped.get();
    }

    private PeerNode running() {
        PeerNode node = service.node();
        if (node == null) {
            throw new IllegalStateException("the peermesh node is not running");
        }
        return node;
    }

    /** Why a broadcast was refused. */
    public static final class BroadcastRefused extends RuntimeException {
        private final PublishResult.Reason reason;

        public BroadcastRefused(PublishResult.Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public PublishResult.Reason reason() {
            return reason;
        }
    }
}
