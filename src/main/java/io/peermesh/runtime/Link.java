package io.peermesh.runtime;

import io.vertx.core.buffer.Buffer;

/**
 * One byte stream to a peer (a TCP connection, a TLS session on one, or a simulated link): what
 * a {@code PeerConnection} reads from and writes to. In order, reliable, until closed.
 *
 * <p>Threading: every method is called on the owning node's loop, and the link calls its
 * {@link Handler} there.
 */
public interface Link {

    /** What the link reports. Called on the node's loop. */
    interface Handler {
        /**
         * Bytes arrived (any split: the framer finds the lines). Not called while paused.
         *
         * @param receivedAtNanos when the transport read them, on the node's {@link Clock}: the
         *                        receive timestamp of a round trip, so the binding takes it as close
         *                        to the socket as it can (and says where), not the core
         */
        void onData(Buffer chunk, long receivedAtNanos);

        /** The link closed, by either side or by a failure; called exactly once, last. */
        void onClosed();

        /**
         * The link failed before closing: a TLS handshake refused (by us, of an inbound peer, or by
         * the peer, of us) or an I/O error. {@link #onClosed} follows.
         */
        void onFailure(LinkFailure failure);
    }

    /** Starts reading into {@code handler}; {@code maxWriteQueueBytes} bounds what may wait to be written. */
    void open(Handler handler, int maxWriteQueueBytes);

    /**
     * Writes {@code data} as one write. Returns false when this write made the link's queue exceed
     * its bound while the link is alive (the peer does not read); a write to a link that already
     * failed (a reset) returns true: that is no slow reader, and the close follows.
     */
    boolean write(Buffer data);

    /** Stops delivering data until {@link #resume} (the transport buffers, TCP pushes back). */
    void pause();

    void resume();

    /** Closes after what was written is flushed; {@link Handler#onClosed} follows. */
    void close();

    /** The remote end as {@code ip:port}, for logs. */
    String remoteAddress();

    /** The remote IP (what per-address limits and penalties count). */
    String remoteIp();
}
