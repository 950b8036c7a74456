package io.peermesh.vertx;

import io.peermesh.runtime.Clock;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.LinkFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * {@link Link} on a Vert.x {@link NetSocket}. Vert.x delivers socket events on the context that
 * created or accepted the socket, which is the node verticle's: the handler runs on the node's loop.
 *
 * <p>An inbound link of a TLS node is switched to TLS in {@link #open}, right after its handlers
 * are set and before anything is read (see {@link TlsGate}).
 */
final class VertxLink implements Link {

    private final NetSocket socket;
    private final boolean upgradeToTls;
    private final Clock clock;
    private final String remoteAddress;
    private final String remoteIp;
    private boolean outbound;

    VertxLink(NetSocket socket, boolean upgradeToTls, boolean outbound, Clock clock) {
        this.socket = socket;
        this.clock = clock;
        this.upgradeToTls = upgradeToTls;
        this.outbound = outbound;
        this.remoteAddress = String.valueOf(socket.remoteAddress());
        this.remoteIp = socket.remoteAddress() == null ? "?" : socket.remoteAddress().hostAddress();
    }

    @Override
    public void open(Handler handler, int maxWriteQueueBytes) {
        socket.setWriteQueueMaxSize(maxWriteQueueBytes);
        // The receive timestamp of a round trip: the first thing Vert.x calls with the bytes.
        socket.handler(data -> handler.onData(data, clock.nanoTime()));
        socket.closeHandler(v -> handler.onClosed());
        socket.exceptionHandler(e -> {
            String tls = outbound ? TlsGate.failure(e) : null;
            handler.onFailure(new LinkFailure(tls != null ? LinkFailure.Kind.TLS_OUTBOUND : LinkFailure.Kind.IO,
                    tls != null ? tls : String.valueOf(e)));
        });
        if (upgradeToTls) {
            socket.upgradeToSsl().onFailure(e -> handler.onFailure(
                    new LinkFailure(LinkFailure.Kind.TLS_INBOUND, TlsGate.failure(e) == null ? String.valueOf(e) : TlsGate.failure(e))));
            if (!socket.isSsl()) {
                // Never read plain text from a TLS node: fail closed should Vert.x add TLS later than now.
                handler.onFailure(new LinkFailure(LinkFailure.Kind.TLS_INBOUND, "TLS could not be set up before reading"));
            }
        }
    }

    @Override
    public boolean write(Buffer data) {
        Future<Void> written = socket.write(data);
        // writeQueueFull() is also true for a channel that is already closed, e.g. by a reset the
        // peer sent (it crashed, or is simply gone): the write then fails at once, and the close
        // handler that follows does the work. Only a live socket with a full queue is a slow reader.
        return !(socket.writeQueueFull() && !written.failed());
    }

    @Override
    public void pause() {
        socket.pause();
    }

    @Override
    public void resume() {
        socket.resume();
    }

    @Override
    public void close() {
        socket.close();
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String remoteIp() {
        return remoteIp;
    }
}
