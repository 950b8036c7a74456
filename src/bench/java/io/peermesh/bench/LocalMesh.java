package io.peermesh.bench;

import io.peermesh.discovery.AddressResolver;
import io.peermesh.discovery.LookupResult;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Nodes of one convergence trial that live in this JVM (the benchmark's or a {@link MeshWorker}'s):
 * deployed all at once, bootstrapped to a seed or discovering each other through a fake DNS name
 * whose answer is every node's address as soon as it listens.
 */
final class LocalMesh {

    static final Duration DNS_INTERVAL = Duration.ofSeconds(1);

    private final Vertx vertx;
    final List<PeerNode> nodes = new CopyOnWriteArrayList<>();
    /** The fake DNS answer: every node's advertised address, ours and other processes'. */
    final List<HostPort> dnsAnswer = new CopyOnWriteArrayList<>();
    final AtomicInteger failures = new AtomicInteger();
    volatile String firstFailure;
    volatile int target = Integer.MAX_VALUE;
    volatile Consumer<HostPort> onUp = a -> { };
    final MeshCounters counters = new MeshCounters();
    private final AddressResolver resolver = new AddressResolver() {
        @Override
        public Future<LookupResult> lookup(String name, int defaultPort) {
            List<HostPort> all = List.copyOf(dnsAnswer);
            return Future.succeededFuture(LookupResult.ok(all, all.size() + " addresses"));
        }
    };

    LocalMesh(Vertx vertx) {
        this.vertx = vertx;
    }

    static NodeConfig config(int n, int maxPeers, boolean dns, HostPort seed) {
        NodeConfig.Builder b = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).maxPeers(maxPeers)
                .maxKnownAddresses(Math.max(1000, 2 * n));
        if (seed != null) {
            b.bootstrap(List.of(seed));
        }
        if (dns) {
            b.discovery(DiscoveryConfig.DEFAULTS.withDns("bench").withDnsInterval(DNS_INTERVAL));
        }
        return b.build();
    }

    /** Deploys and waits for the seed (it must listen before the others can be given its address). */
    PeerNode seed(int n, int maxPeers) {
        PeerNode seed = Loops.await(PeerNode.deploy(vertx, config(n, maxPeers, false, null), NodeClock.SYSTEM, counters),
                Duration.ofSeconds(10));
        nodes.add(seed);
        return seed;
    }

    /** Starts {@code count} deploys at once; returns at once. */
    void start(int count, int n, int maxPeers, boolean dns, HostPort seed, int target) {
        this.target = target;
        NodeConfig cfg = config(n, maxPeers, dns, seed);
        for (int i = 0; i < count; i++) {
            PeerNode.deploy(vertx, cfg, NodeClock.SYSTEM, counters, dns ? resolver : null).onComplete(ar -> {
                if (ar.succeeded()) {
                    nodes.add(ar.result());
                    dnsAnswer.add(ar.result().advertised());
                    onUp.accept(ar.result().advertised());
                } else {
                    failures.incrementAndGet();
                    if (firstFailure == null) {
                        firstFailure = String.valueOf(ar.cause());
                    }
                }
            });
        }
    }

    int deployed() {
        return nodes.size();
    }

    int ready() {
        int k = 0;
        for (PeerNode n : nodes) {
            if (n.peerCount() >= 1) {
                k++;
            }
        }
        return k;
    }

    int full() {
        int t = target;
        int k = 0;
        for (PeerNode n : nodes) {
            if (n.peerCount() >= t) {
                k++;
            }
        }
        return k;
    }

    List<Integer> counts() {
        List<Integer> c = new ArrayList<>();
        for (PeerNode n : nodes) {
            c.add(n.peerCount());
        }
        return c;
    }

    void stop() {
        List<Future<Void>> closing = new ArrayList<>();
        for (PeerNode n : nodes) {
            closing.add(n.close());
        }
        try {
            Loops.await(Future.join(closing), Duration.ofSeconds(120));
        } finally {
            nodes.clear();
            dnsAnswer.clear();
            failures.set(0);
            counters.reset();
            firstFailure = null;
            target = Integer.MAX_VALUE;
        }
    }

    /** A small full mesh, so the JIT has compiled the node before anything is timed. */
    void warmUp(int n) {
        PeerNode seed = seed(n, n);
        start(n - 1, n, n, false, seed.advertised(), n - 1);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (full() < n && System.nanoTime() < deadline) {
            Loops.sleep(10);
        }
        stop();
    }
}
