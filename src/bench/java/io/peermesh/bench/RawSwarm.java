package io.peermesh.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child process: {@code count} raw peers of one node. Each handshakes (hello without listen),
 * answers the node's pings and getaddr, and with {@code pingMillis > 0} pings the node itself at
 * that interval (random phase), as a real peer does. Prints {@code READY n} once all are
 * handshaked and {@code CLOSED n} whenever connections were lost; exits on {@code exit} or EOF.
 *
 * <p>Runs in its own JVM so that its sockets and objects do not count in the node's heap and CPU.
 * Usage: {@code RawSwarm host port count pingMillis}.
 */
public final class RawSwarm {

    private RawSwarm() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        long pingMillis = Long.parseLong(args[3]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        List<Context> contexts = List.of(Loops.newContext(vertx), Loops.newContext(vertx));
        AtomicInteger closed = new AtomicInteger();
        List<LineClient> peers = new ArrayList<>();
        int batch = 50;
        for (int start = 0; start < count; start += batch) {
            List<Future<LineClient>> connecting = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + batch); i++) {
                Context ctx = contexts.get(i % contexts.size());
                connecting.add(LineClient.connect(vertx, ctx, host, port).compose(c ->
                        c.handshakeAsPeer("peermesh", line -> { }).map(hello -> c)));
            }
            for (Future<LineClient> f : connecting) {
                LineClient c = Loops.await(f, Duration.ofSeconds(30));
                c.closed().onComplete(v -> System.out.println("CLOSED " + closed.incrementAndGet()));
                peers.add(c);
            }
        }
        if (pingMillis > 0) {
            java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
            for (LineClient c : peers) {
                long phase = 1 + ThreadLocalRandom.current().nextLong(pingMillis);
                c.context.runOnContext(v -> vertx.setTimer(phase, id -> {
                    c.write(LineClient.ping(LineClient.nonce(seq.incrementAndGet())));
                    vertx.setPeriodic(pingMillis, id2 -> c.write(LineClient.ping(LineClient.nonce(seq.incrementAndGet()))));
                }));
            }
        }
        System.out.println("READY " + peers.size());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null && !line.equals("exit")) {
            // no other commands
        }
        vertx.close().toCompletionStage().toCompletableFuture().get();
        System.exit(0);
    }
}
