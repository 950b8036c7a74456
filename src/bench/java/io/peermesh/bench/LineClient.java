package io.peermesh.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A raw line client on plain Vert.x: one TCP connection, lines out, lines in (split by
 * {@link RecordParser}). The same client measures the raw echo baseline and the node, so whatever
 * it costs is on both sides of every comparison. It can play a minimal peer: send a hello, read
 * the node's hello, answer the node's pings (unless told to be silent) and its getaddr.
 *
 * <p>All callbacks run on the context it was connected from.
 */
final class LineClient {

    // {"msgtype":"p?ng"...: byte 12 is the first letter of the msgtype, byte 13 the second.
    static final int TYPE0 = 12;
    static final int TYPE1 = 13;
    static final String PING_PREFIX = "{\"msgtype\":\"ping\",\"nonce\":\"";
    private static final Buffer EMPTY_ADDR = Buffer.buffer("{\"msgtype\":\"addr\",\"peers\":[]}\n");

    final String nodeId = UUID.randomUUID().toString();
    final NetSocket socket;
    final Context context;
    private Handler<Buffer> lines = line -> { };
    /** As a peer: answer pings and getaddr (off: read them and stay silent). */
    volatile boolean answering = true;
    volatile long lastAnswerNanos;
    volatile long answeredPings;
    volatile long closedAtNanos;
    private final Promise<Void> closed = Promise.promise();

    private LineClient(NetSocket socket, Context context) {
        this.socket = socket;
        this.context = context;
        RecordParser parser = RecordParser.newDelimited("\n", socket);
        parser.maxRecordSize(1 << 20);
        parser.handler(line -> lines.handle(line));
        parser.exceptionHandler(e -> socket.close());
        socket.closeHandler(v -> {
            closedAtNanos = System.nanoTime();
            closed.tryComplete();
        });
    }

    /** Connects on {@code ctx} (call from anywhere). */
    static Future<LineClient> connect(Vertx vertx, Context ctx, String host, int port) {
        return Loops.on(ctx, () -> {
            NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000));
            return client.connect(port, host).map(s -> new LineClient(s, ctx));
        });
    }

    /** Replaces the line handler; runs on the client's context. */
    void onLine(Handler<Buffer> handler) {
        lines = handler;
    }

    Future<Void> closed() {
        return closed.future();
    }

    void write(Buffer b) {
        socket.write(b);
    }

    static Buffer ping(String nonce) {
        return Buffer.buffer(PING_PREFIX.length() + nonce.length() + 3).appendString(PING_PREFIX).appendString(nonce)
                .appendString("\"}\n");
    }

    /** A 16-hex-digit nonce for sequence number {@code n}. */
    static String nonce(long n) {
        String h = Long.toHexString(n);
        return "0000000000000000".substring(h.length()) + h;
    }

    /**
     * Handshakes as a minimal peer (hello without listen, so nobody gossips or dials it) and from
     * then on plays a peer: answers pings and getaddr, passing every other line to {@code rest}.
     * Completes with the node's hello line.
     */
    Future<String> handshakeAsPeer(String network, Handler<Buffer> rest) {
        return Loops.on(context, () -> {
            Promise<String> hello = Promise.promise();
            onLine(line -> {
                if (!hello.future().isComplete()) {
                    String text = line.toString(StandardCharsets.UTF_8);
                    if (text.startsWith("{\"msgtype\":\"hello\"")) {
                        hello.complete(text);
                    } else {
                        hello.fail("no hello from the node: " + text);
                        socket.close();
                    }
                    return;
                }
                if (peerLine(line)) {
                    return;
                }
                rest.handle(line);
            });
            socket.write("{\"msgtype\":\"hello\",\"nodeid\":\"" + nodeId + "\",\"version\":1,\"network\":\"" + network + "\"}\n");
            return hello.future();
        });
    }

    /** Answers the node's ping and getaddr lines; true when the line was one of those. */
    boolean peerLine(Buffer line) {
        if (line.length() <= TYPE1) {
            return false;
        }
        byte t0 = line.getByte(TYPE0);
        byte t1 = line.getByte(TYPE1);
        if (t0 == 'p' && t1 == 'i') {
            if (answering) {
                // {"msgtype":"ping","nonce":"x"} -> {"msgtype":"pong","nonce":"x"}
                Buffer pong = Buffer.buffer(line.length() + 1).appendString("{\"msgtype\":\"pong\"")
                        .appendBuffer(line, 17, line.length() - 17).appendByte((byte) '\n');
                socket.write(pong);
                lastAnswerNanos = System.nanoTime();
                answeredPings++;
            }
            return true;
        }
        if (t0 == 'g') {
            if (answering) {
                socket.write(EMPTY_ADDR.copy());
            }
            return true;
        }
        return false;
    }

    Future<Void> close() {
        return Loops.on(context, () -> socket.close());
    }
}
