package io.peermesh.api;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's event stream. Events are handed over on the node's loop and written without
 * waiting; a client that reads slower than events come has at most {@value #MAX_UNSENT} of them
 * unsent. One more and it is cut off: a last {@code overflow} event says why, the connection is
 * closed (at once if the client does not read even that), and the cut is counted. So a slow or
 * stuck client costs a bounded buffer, never the node's time.
 */
final class SseStream {

    static final int MAX_UNSENT = 4096;
    static final long MAX_UNSENT_CHARS = 1L << 20;
    /** How long a cut-off client gets to read its last event before the connection is closed anyway. */
    static final long CLOSE_GRACE_MILLIS = 2_000;

    private final String name;
    private final SseEventSink sink;
    private final Sse sse;
    private final Streams owner;
    private final Runnable dropConnection;
    private final AtomicInteger unsent = new AtomicInteger();
    private final AtomicLong unsentChars = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable onClose = () -> { };

    /** {@code dropConnection} resets the client's connection (a stuck client's unsent events are released with it). */
    SseStream(String name, SseEventSink sink, Sse sse, Streams owner, Runnable dropConnection) {
        this.name = name;
        this.sink = sink;
        this.sse = sse;
        this.owner = owner;
        this.dropConnection = dropConnection;
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
        if (!admit(data.length())) {
            return;
        }
        OutboundSseEvent.Builder b = sse.newEventBuilder().name(event).data(data);
        write(id == null ? b.build() : b.id(id).build(), data.length());
    }

    /**
     * An SSE comment line: the client's parser skips it. Sent on subscribing and as the heartbeat
     * that keeps idle streams open through proxies and finds clients that are gone.
     */
    void comment(String text) {
        if (!closed.get() && !sink.isClosed() && admit(text.length())) {
            write(sse.newEventBuilder().comment(text).build(), text.length());
        }
    }

    /** Counts one more unsent event; false (and the client cut off) when that is one too many. */
    private boolean admit(int chars) {
        int events = unsent.incrementAndGet();
        long pending = unsentChars.addAndGet(chars);
        if (events > MAX_UNSENT || pending > MAX_UNSENT_CHARS) {
            cutOff(events > MAX_UNSENT ? "more than " + MAX_UNSENT + " events"
                    : "more than " + MAX_UNSENT_CHARS + " characters of events");
            return false;
        }
        return true;
    }

    private void write(OutboundSseEvent e, int chars) {
        try {
            sink.send(e).whenComplete((ok, failure) -> {
                unsent.decrementAndGet();
                unsentChars.addAndGet(-chars);
                if (failure != null) {
                    close(); // the client went away
                }
            });
        } catch (IllegalStateException gone) {
            close();
        }
    }

    private void cutOff(String what) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        owner.cutOff(this);
        onClose.run();
        String data = "{\"reason\":\"slow_consumer\",\"message\":\"" + what
                + " unsent to this client: reconnect (with Last-Event-ID where the stream has ids)\"}";
        AtomicBoolean delivered = new AtomicBoolean();
        try {
            sink.send(sse.newEventBuilder().name("overflow").data(data).build()).whenComplete((ok, f) -> {
                delivered.set(true);
                closeSink();
            });
        } catch (IllegalStateException gone) {
            delivered.set(true);
            closeSink();
        }
        // Ending the response would queue behind what the client does not read and keep it all
        // in memory as long as the connection lives: a client that has not read its last event
        // by then loses the connection, and the buffers with it.
        owner.later(CLOSE_GRACE_MILLIS, () -> {
            if (!delivered.get()) {
                dropConnection.run();
                closeSink();
            }
        });
    }

    /** Ends the stream if its client's connection closed. */
    void closeIfGone() {
        if (!closed.get() && sink.isClosed()) {
            close();
        }
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
