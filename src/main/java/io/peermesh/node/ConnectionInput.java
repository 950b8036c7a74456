package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.runtime.TokenBucket;
import io.peermesh.wire.LineFramer;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import io.peermesh.wire.PingLines;
import io.peermesh.wire.ProtocolViolation;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reading side of one connection: frames the bytes into lines, holds lines while the
 * connection is parked, applies the message-rate limit, and decodes each line into a
 * {@link Message} for the connection. Pings and pongs as this node writes them skip the general
 * decoder ({@link PingLines}, issue #16).
 *
 * <p>On the node's loop, owned by one {@link PeerConnection}.
 */
final class ConnectionInput {

    /** Where decoded messages go; false stops the chunk (the connection closed). */
    interface Sink {
        boolean message(Message message, Buffer line, boolean canonical);

        /** The sender went over its message rate: the connection closes. */
        void overRate();

        /** A line broke the protocol: the connection closes. */
        void violation(ProtocolViolation v);
    }

    private final Sink sink;
    private final TokenBucket messageBudget;
    private final LineFramer framer;
    private final io.peermesh.runtime.Clock clock;
    private List<Buffer> held; // non-null while parked: lines of the read that carried the hello
    private long receivedAtNanos; // when the transport read the chunk being framed (Link.Handler#onData)

    ConnectionInput(Sink sink, LimitsConfig limits, int maxFrameBytes, io.peermesh.runtime.Clock clock) {
        this.sink = sink;
        this.clock = clock;
        this.messageBudget = new TokenBucket(limits.messageRate(), limits.messageBurst(), clock.nanoTime());
        this.framer = new LineFramer(maxFrameBytes);
    }

    /** A chunk the transport read at {@code receivedAtNanos}. */
    void feed(Buffer chunk, long receivedAtNanos) {
        this.receivedAtNanos = receivedAtNanos;
        try {
            framer.feed(chunk, this::line);
        } catch (ProtocolViolation v) {
            sink.violation(v);
        }
    }

    /** When the chunk being handled was read: where a round trip ends. */
    long receivedAtNanos() {
        return receivedAtNanos;
    }

    /** From now on lines are held, not handled (the connection is parked; reading is paused). */
    void hold() {
        held = new ArrayList<>();
    }

    /** Handles the held lines; false if one of them closed the connection. */
    boolean release() {
        List<Buffer> lines = held;
        held = null;
        for (Buffer line : lines) {
            if (!line(line)) {
                return false;
            }
        }
        return true;
    }

    private boolean line(Buffer line) {
        if (held != null) {
            held.add(line.copy()); // copied: the read's memory belongs to the transport
            return true;
        }
        if (messageBudget.take(1, clock.nanoTime()) == 0) {
            sink.overRate();
            return false;
        }
        Message message = PingLines.parse(line);
        boolean canonical = message != null;
        if (!canonical) {
            try {
                message = MessageCodec.decode(line);
            } catch (ProtocolViolation v) {
                sink.violation(v);
                return false;
            }
        }
        return sink.message(message, line, canonical);
    }
}
