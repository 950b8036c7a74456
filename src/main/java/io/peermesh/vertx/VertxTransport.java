package io.peermesh.vertx;

import io.netty.channel.ConnectTimeoutException;
import io.peermesh.runtime.Clock;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@link Transport} on Vert.x TCP: one {@link NetServer} and one {@link NetClient}, both with
 * TCP_NODELAY and keep-alive, optionally under mutual TLS ({@link TlsGate}). Dial failures are
 * classified here, from Netty's and the JDK's exception types, so the core sees a typed kind.
 *
 * <p>Threading: create and use it on the node verticle's context; Vert.x then delivers every
 * callback there.
 */
public final class VertxTransport implements Transport {

    private final Vertx vertx;
    private final TlsGate tls; // null: plain TCP
    private final Clock clock; // the node's: links stamp what they read with it
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private NetServer server;
    private NetClient client;

    public VertxTransport(Vertx vertx, TlsGate tls, Clock clock, Duration connectTimeout, Duration handshakeTimeout) {
        this.vertx = vertx;
        this.tls = tls;
        this.clock = clock;
        this.connectTimeout = connectTimeout;
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void listen(String host, int port, Consumer<Link> accepted, Consumer<ListenResult> done) {
        NetServerOptions options = new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true).setTcpKeepAlive(true);
        server = vertx.createNetServer(tls == null ? options : tls.configure(options, handshakeTimeout));
        server.connectHandler(socket -> accepted.accept(new VertxLink(socket, tls != null, false, clock)));
        server.listen().onComplete(ar -> {
            if (ar.succeeded()) {
                NetClientOptions clientOptions = new NetClientOptions().setConnectTimeout((int) connectTimeout.toMillis())
                        .setTcpNoDelay(true).setTcpKeepAlive(true);
                client = vertx.createNetClient(tls == null ? clientOptions : tls.configure(clientOptions, handshakeTimeout));
                done.accept(new ListenResult(ar.result().actualPort(), null));
            } else {
                done.accept(new ListenResult(-1, ar.cause()));
            }
        });
    }

    @Override
    public void connect(HostPort address, Consumer<DialOutcome> done) {
        client.connect(address.port(), address.host()).onComplete(ar -> done.accept(ar.succeeded()
                ? new Connected(new VertxLink(ar.result(), false, true, clock)) : failed(address, ar.cause())));
    }

    static Failed failed(HostPort address, Throwable cause) {
        String tls = TlsGate.failure(cause);
        if (tls != null) {
            return new Failed(Failed.Kind.ERROR, "TLS handshake with " + address + " failed: " + tls, true);
        }
        if (cause instanceof ConnectTimeoutException) {
            return new Failed(Failed.Kind.TIMEOUT, "dial to " + address + " timed out (p2p.connect-timeout)", false);
        }
        // Netty's native transport reports ECONNREFUSED as a ConnectException whose message says so;
        // the JDK transport does the same. Other ConnectExceptions (no route, ...) are errors.
        if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")) {
            return new Failed(Failed.Kind.REFUSED, "dial to " + address + " refused: nothing listens there", false);
        }
        if (cause instanceof UnknownHostException) {
            return new Failed(Failed.Kind.ERROR, "dial to " + address + " failed: unknown host", false);
        }
        return new Failed(Failed.Kind.ERROR, "dial to " + address + " failed: " + cause.getMessage(), false);
    }

    @Override
    public void close(Runnable done) {
        List<Future<Void>> closing = new ArrayList<>();
        if (server != null) {
            closing.add(server.close());
        }
        if (client != null) {
            closing.add(client.close());
        }
        Future.join(closing).onComplete(ar -> done.run());
    }

    public TlsGate tls() {
        return tls;
    }
}
