package io.peermesh.service;

import io.peermesh.node.NodeClock;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Companion nodes in this JVM, peered with a main node (issue #14, dev mode): plain {@link PeerNode}
 * verticles on free loopback ports, bootstrapped to the main node's peer port, so a lone node in
 * {@code quarkus:dev} has a mesh at once. They take the main node's network, intervals and TLS,
 * report no metrics, and carry metadata {@code zone=dev}, {@code role=companion-N}. {@link #stop}
 * undeploys them: bye to their peers, then their servers, connections and timers are closed, so no
 * port stays open after a live reload.
 */
public final class Companions {

    static final int MAX = 16;

    private final Vertx vertx;
    private final List<PeerNode> nodes;

    private Companions(Vertx vertx, List<PeerNode> nodes) {
        this.vertx = vertx;
        this.nodes = nodes;
    }

    /** The config of companion {@code index} (1-based): the main one's settings, loopback, port 0, bootstrap to {@code main}. */
    static NodeConfig config(NodeConfig base, HostPort main, int index) {
        return base.toBuilder().host("127.0.0.1").port(0).advertise(null).bootstrap(List.of(main))
                .discovery(DiscoveryConfig.DEFAULTS).internalPingTimer(true).minPeers(1)
                .metadata(Metadata.of(Map.of("zone", "dev", "role", "companion-" + index)))
                .build();
    }

    /** Deploys {@code count} companions dialling {@code main}; completes once all listen (on failure, those deployed are stopped). */
    public static Future<Companions> start(Vertx vertx, int count, NodeConfig base, HostPort main) {
        if (count < 0 || count > MAX) {
            return Future.failedFuture(new IllegalArgumentException(
                    "p2p.dev.companions must be 0.." + MAX + ", was " + count));
        }
        List<PeerNode> nodes = new ArrayList<>();
        List<Future<?>> deploying = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            PeerNode n = new PeerNode(config(base, main, i), NodeClock.SYSTEM, NodeObserver.NONE);
            nodes.add(n);
            deploying.add(vertx.deployVerticle(n));
        }
        Companions c = new Companions(vertx, nodes);
        return Future.all(deploying).map(ok -> c)
                .recover(e -> c.stop().transform(ignored -> Future.failedFuture(e)));
    }

    public List<PeerNode> nodes() {
        return List.copyOf(nodes);
    }

    /** Undeploys every companion; completes when all are closed. */
    public Future<Void> stop() {
        List<Future<Void>> closing = new ArrayList<>();
        for (PeerNode n : nodes) {
            closing.add(n.close());
        }
        return Future.join(closing).mapEmpty();
    }
}
