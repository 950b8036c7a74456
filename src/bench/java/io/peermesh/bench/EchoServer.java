package io.peermesh.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.parsetools.RecordParser;

/**
 * The raw baseline: a Vert.x NetServer on its own event loop that echoes every line back, with
 * the node's socket options (TCP_NODELAY). No JSON, no state: what loopback and Vert.x cost alone.
 */
final class EchoServer extends AbstractVerticle {

    private NetServer server;
    volatile String threadName;
    volatile long threadId = -1;

    @Override
    public void start(Promise<Void> started) {
        server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true));
        server.connectHandler(socket -> {
            RecordParser parser = RecordParser.newDelimited("\n", socket);
            parser.maxRecordSize(64 * 1024);
            parser.handler(line -> {
                if (threadName == null) {
                    threadId = Thread.currentThread().getId();
                    threadName = Thread.currentThread().getName();
                }
                socket.write(Buffer.buffer(line.length() + 1).appendBuffer(line).appendByte((byte) '\n'));
            });
            parser.exceptionHandler(e -> socket.close());
        });
        server.listen().onComplete(ar -> {
            if (ar.succeeded()) {
                started.complete();
            } else {
                started.fail(ar.cause());
            }
        });
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void stop(Promise<Void> stopped) {
        server.close().onComplete(ar -> stopped.complete());
    }
}
