package io.peermesh.node;

import io.peermesh.wire.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starts core nodes on one Vert.x on loopback with fast timers, and closes them all at the end. */
final class TestNodes implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    private final List<PeerNode> nodes = new ArrayList<>();

    /**
     * Quick dials and pings, but a ping timeout generous enough that a loaded 2-core CI machine
     * (GC pauses, CPU starvation) never drops a healthy peer in the middle of a test.
     */
    static NodeConfig.Builder fast() {
        return NodeConfig.builder()
                .host("127.0.0.1").port(0)
                .pingInterval(Duration.ofMillis(250)).pingTimeout(Duration.ofSeconds(3))
                .handshakeTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(2))
                .dialBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                // Every test node shares 127.0.0.1: per-IP and total caps sized for dozens of them.
                // No cooling-off: tests that send garbage would otherwise lock 127.0.0.1 out for the rest.
                .limits(LimitsConfig.DEFAULTS.withInbound(4096, 4096).withPendingHandshakes(4096)
                        .withBanDuration(Duration.ZERO));
    }

    PeerNode start(NodeConfig config) {
        return start(config, NodeClock.SYSTEM, NodeObserver.NONE);
    }

    PeerNode start(NodeConfig config, NodeClock clock, NodeObserver observer) {
        PeerNode node = Eventually.get(PeerNode.deploy(vertx, config, clock, observer));
        nodes.add(node);
        return node;
    }

    static HostPort addr(PeerNode node) {
        return node.advertised();
    }

    void stop(PeerNode node) {
        Eventually.get(node.close());
    }

    @Override
    public void close() {
        List<Future<Void>> closing = new ArrayList<>();
        for (PeerNode n : nodes) {
            closing.add(n.close());
        }
        Eventually.get(Future.join(closing).transform(ar -> vertx.close()));
    }
}
