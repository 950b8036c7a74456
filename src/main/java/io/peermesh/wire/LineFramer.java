package io.peermesh.wire;

import io.vertx.core.buffer.Buffer;

/**
 * Reassembles newline-terminated lines from TCP reads. A line may arrive split across any number
 * of reads and one read may carry many lines. {@code \r\n} is accepted; the {@code \r} is dropped.
 * Empty lines are skipped. Memory is bounded: at most {@code maxFrameBytes} of an unfinished line
 * are buffered, and more than that without a newline is a {@link ProtocolError#FRAME_TOO_LARGE}.
 *
 * <p>Not thread safe: one instance per connection, used on that connection's event loop.
 */
public final class LineFramer {

    /** Receives complete lines; returns false to stop delivering (the connection is closing). */
    @FunctionalInterface
    public interface LineSink {
        boolean onLine(Buffer line);
    }

    private final int maxFrameBytes;
    private Buffer partial; // bytes of the current, unfinished line; null when there are none

    public LineFramer(int maxFrameBytes) {
        if (maxFrameBytes < 64) {
            throw new IllegalArgumentException("maxFrameBytes must be at least 64, was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Feeds one TCP read; delivers every complete line in order. */
    public void feed(Buffer chunk, LineSink sink) throws ProtocolViolation {
        int length = chunk.length();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (chunk.getByte(i) != '\n') {
                continue;
            }
            Buffer line;
            if (partial == null) {
                line = chunk.slice(start, i);
            } else {
                line = partial.appendBuffer(chunk, start, i - start);
                partial = null;
            }
            start = i + 1;
            int end = line.length();
            if (end > 0 && line.getByte(end - 1) == '\r') {
                end--;
            }
            if (end > maxFrameBytes) {
                throw new ProtocolViolation(ProtocolError.FRAME_TOO_LARGE,
                        "line of " + end + " bytes exceeds max-frame-bytes " + maxFrameBytes);
            }
            if (end == 0) {
                continue;
            }
            if (!sink.onLine(end == line.length() ? line : line.slice(0, end))) {
                return;
            }
        }
        if (start < length) {
            int pendingBytes = (partial == null ? 0 : partial.length()) + (length - start);
            // +1 leaves room for the '\r' of a line that is exactly maxFrameBytes long.
            if (pendingBytes > maxFrameBytes + 1) {
                partial = null;
                throw new ProtocolViolation(ProtocolError.FRAME_TOO_LARGE,
                        pendingBytes + " bytes without a newline exceed max-frame-bytes " + maxFrameBytes);
            }
            if (partial == null) {
                // Copy: the chunk's memory belongs to the transport and may be reused after this read.
                partial = Buffer.buffer(Math.min(maxFrameBytes + 1, Math.max(256, pendingBytes * 2)));
            }
            partial.appendBuffer(chunk, start, length - start);
        }
    }

    /** Bytes of an unfinished line currently buffered. */
    public int bufferedBytes() {
        return partial == null ? 0 : partial.length();
    }
}
