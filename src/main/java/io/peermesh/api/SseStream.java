package io.peermesh.api;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's event stream. Events are handed over on the node's loop and written without
 * waiting; a client that reads slower than events come has at most {@value #MAX_UNSENT} of them
 * unsent. One more and it is cut off: a last {@code overflow} event says why, the connection is
 * closed (at once if the client does not read even that), and the cut is counted. So a slow or
 * stuck client costs a bounded buffer, never the node's time.
 */
final class SseStream {

    static final int MAX_UNSENT = 4096;
    /** How long a cut-off client gets to read its last event before the connection is closed anyway. */
    static final long CLOSE_GRACE_MILLIS = 2_000;

    private final String name;
    private final SseEventSink sink;
    private final Sse sse;
    private final Streams owner;
    private final AtomicInteger unsent = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable onClose = () -> { };

    SseStream(String name, SseEventSink sink, Sse sse, Streams owner) {
        this.name = name;
        this.sink = sink;
        this.sse = sse;
        this.owner = owner;
    }

    String name() {
        return name;
    }

    /** Runs when the stream ends, however it ends (unsubscribes from the node). */
    void onClose(Runnable action) {
        this.onClose = action;
        if (closed.get()) {
            action.run();
        }
    }

    void send(String event, String id, String data) {
        if (closed.get()) {
            return;
        }
        if (sink.isClosed()) {
            close();
            return;
        }
        if (unsent.incrementAndGet() > MAX_UNSENT) {
            cutOff();
            return;
        }
        OutboundSseEvent.Builder b = sse.newEventBuilder().name(event).data(data);
        write(id == null ? b.build() : b.id(id).build());
    }

    void comment(String text) {
        if (!closed.get() && !sink.isClosed()) {
            unsent.incrementAndGet();
            write(sse.newEventBuilder().comment(text).build());
        }
    }

    private void write(OutboundSseEvent e) {
        try {
            sink.send(e).whenComplete((ok, failure) -> {
                unsent.decrementAndGet();
                if (failure != null) {
                    close(); // the client went away
                }
            });
        } catch (IllegalStateException gone) {
            close();
        }
    }

    private void cutOff() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        owner.cutOff(this);
        onClose.run();
        String data = "{\"reason\":\"slow_consumer\",\"message\":\"more than " + MAX_UNSENT
                + " events unsent to this client: reconnect (with Last-Event-ID where the stream has ids)\"}";
        try {
            sink.send(sse.newEventBuilder().name("overflow").data(data).build()).whenComplete((ok, f) -> closeSink());
        } catch (IllegalStateException gone) {
            closeSink();
        }
        owner.later(CLOSE_GRACE_MILLIS, this::closeSink);
    }

    /** Ends the stream (client gone, node stopping). */
    void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
            closeSink();
        }
    }

    private void closeSink() {
        owner.closed(this);
        try {
            sink.close();
        } catch (RuntimeException alreadyGone) {
            // closing a sink whose connection is gone: nothing left to release
        }
    }

    boolean isClosed() {
        return closed.get();
    }
}
