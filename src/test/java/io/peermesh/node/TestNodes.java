package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.vertx.PeerNode;
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
                // No address refusals: tests that send garbage from 127.0.0.1 without handshakes for a minute
                // would see later ones refused. SharedAddressTest runs the production penalties.
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

    /** Two nodes that dialled each other at once, settled: each holds one connection to the other. */
    record SettledPair(PeerNode a, PeerNode b, PeerView aSeesB, PeerView bSeesA, boolean crossed) {
    }

    /**
     * Deploys two nodes that dial each other by {@code host} at the same moment (both deployed before
     * waiting for either), waits until each holds exactly one connection, runs {@code check} on them,
     * then closes both. Returns whether the dials crossed (a duplicate was refused or replaced);
     * whether they do depends on timing, so callers repeat rounds, bounded.
     */
    boolean dialEachOther(String host, Duration deadline, java.util.function.Consumer<SettledPair> check)
            throws java.io.IOException {
        int portA = PeerNodeTest.freePort();
        int portB = PeerNodeTest.freePort();
        CountingObserver seenA = new CountingObserver();
        CountingObserver seenB = new CountingObserver();
        Future<PeerNode> fa = PeerNode.deploy(vertx, fast().port(portA).bootstrap(List.of(new HostPort(host, portB))).build(),
                NodeClock.SYSTEM, seenA);
        Future<PeerNode> fb = PeerNode.deploy(vertx, fast().port(portB).bootstrap(List.of(new HostPort(host, portA))).build(),
                NodeClock.SYSTEM, seenB);
        PeerNode a = Eventually.get(fa);
        PeerNode b = Eventually.get(fb);
        try {
            Eventually.await(deadline, () -> a.peerCount() == 1 && b.peerCount() == 1 && a.openConnections() == 1
                    && b.openConnections() == 1, () -> "open " + a.openConnections() + "/" + b.openConnections());
            boolean crossed = seenA.count(HandshakeResult.DUPLICATE) + seenB.count(HandshakeResult.DUPLICATE) > 0;
            check.accept(new SettledPair(a, b, Eventually.get(a.peers()).get(0), Eventually.get(b.peers()).get(0), crossed));
            return crossed;
        } finally {
            Eventually.get(a.close());
            Eventually.get(b.close());
        }
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
