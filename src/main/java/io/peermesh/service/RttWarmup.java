package io.peermesh.service;

import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Filter;
import java.util.logging.Logger;

/**
 * Gets the ping path compiled soon after start ({@code p2p.rtt-warmup}, issue #16). A node pings
 * each peer every 2 s, so the JIT never compiles that path on its own: it ran interpreted for
 * minutes, and the round trips a node reported were 10-30 times the link's. So two private helper
 * nodes of the same classes ping each other over loopback, back to back, as many round trips as
 * configured, and are closed. They exercise the real code (Vert.x' socket, the framer, the
 * ping/pong lines, the observer); nothing they measure reaches the application's node, its
 * {@code /peers} or its metrics: they report to an observer over a registry of their own (of the
 * same classes as the node's, so the JIT profiles the types the node will use).
 *
 * <p>It runs beside the node, not before it: readiness does not wait for it (it took 5 s for 6,300
 * round trips on a 2-core machine at load 13, too long to hold the start). Until it is done the node's
 * round trips are no samples (PeerNode#holdRttSamples): a ping answered while this JVM is still
 * starting took 16-44 ms on loopback, its start's time, not the link's.
 *
 * <p>Threading: each helper's state is on its own event-loop context; {@link #stop} may be called
 * from any thread. The helpers' log lines are dropped (a filter on the node's loggers that drops
 * only records logged on a helper's context, told by a mark in its deployment config): an operator sees the node's lines, not theirs.
 */
final class RttWarmup {

    private static final Logger LOG = Logger.getLogger(RttWarmup.class.getName());
    // io.peermesh.rtt too: its per-round-trip lines are what the rttproc benchmark counts, and a
    // helper's back-to-back round trips among them were 18,000 false samples in the cold minute.
    private static final List<String> NODE_LOGGERS = List.of("io.peermesh.node.MeshNode", "io.peermesh.node.PeerConnection",
            "io.peermesh.rtt");
    private static final long CHECK_MILLIS = 20;

    /** What a warm-up did. */
    record Result(long roundTrips, long millis) {
    }

    /** Set in a helper's deployment config: how the log filter knows a helper's context from the node's. */
    private static final String MARK = "peermesh.rtt-warmup-helper";

    private final AtomicBoolean stop = new AtomicBoolean();
    private final Promise<Result> finished = Promise.promise();
    private Future<Result> closed;

    private RttWarmup() {
    }

    /**
     * Starts {@code roundTrips} round trips (about: the count is read every 20 ms) between two
     * helper nodes like {@code config} on {@code vertx}, both reporting to {@code observer};
     * {@code counted} reads how many round trips it saw. Ends after {@code maxMillis} at the latest,
     * or at {@link #stop}; {@link #done} completes once both helpers are closed.
     */
    static RttWarmup start(Vertx vertx, NodeConfig config, long roundTrips, long maxMillis, NodeObserver observer,
            LongSupplier counted) {
        RttWarmup w = new RttWarmup();
        w.run(vertx, config, roundTrips, maxMillis, observer, counted);
        return w;
    }

    /** Completes (never fails) once the helpers are closed; null result when they could not start. */
    Future<Result> done() {
        return closed;
    }

    /** Ends the warm-up early (the application stops); {@link #done} still completes after the close. */
    void stop() {
        stop.set(true);
    }

    private void run(Vertx vertx, NodeConfig config, long roundTrips, long maxMillis, NodeObserver observer,
            LongSupplier counted) {
        long t0 = System.nanoTime();
        List<Logger> loggers = NODE_LOGGERS.stream().map(Logger::getLogger).toList();
        List<Filter> previous = loggers.stream().map(Logger::getFilter).toList();
        for (int i = 0; i < loggers.size(); i++) {
            Filter before = previous.get(i);
            loggers.get(i).setFilter(r -> !onHelper() && (before == null || before.isLoggable(r)));
        }
        NodeConfig helper = NodeConfig.builder().host("127.0.0.1").port(0).network(config.network())
                .limits(config.limits().withMessageRate(1e9, 1_000_000_000)) // back to back, not 2 s apart
                .pingInterval(config.pingInterval()).pingTimeout(config.pingTimeout()).pingFollowUp(config.pingFollowUp())
                .internalPingTimer(false)
                .tls(config.tls()).minPeers(0).build();
        PeerNode[] nodes = new PeerNode[2];
        deploy(vertx, helper, observer)
                .compose(a -> {
                    nodes[0] = a;
                    return deploy(vertx, helper, observer);
                })
                .onSuccess(b -> {
                    nodes[1] = b;
                    b.connectTo(new HostPort("127.0.0.1", nodes[0].port()));
                    long deadline = t0 + maxMillis * 1_000_000L;
                    // One spins, the other answers: both sides of a round trip run in the same classes.
                    spin(b);
                    vertx.setPeriodic(CHECK_MILLIS, id -> {
                        long count = counted.getAsLong();
                        if (count >= roundTrips || System.nanoTime() > deadline || stop.get()) {
                            vertx.cancelTimer(id);
                            stop.set(true);
                            finished.tryComplete(new Result(count, (System.nanoTime() - t0) / 1_000_000));
                        }
                    });
                })
                .onFailure(e -> {
                    LOG.warning(() -> "RTT warm-up (p2p.rtt-warmup) could not start its helpers: " + e.getMessage());
                    finished.tryComplete(null);
                });
        closed = finished.future().transform(ar -> {
            stop.set(true);
            Future<Void> a = nodes[0] == null ? Future.succeededFuture() : nodes[0].close();
            Future<Void> b = nodes[1] == null ? Future.succeededFuture() : nodes[1].close();
            return Future.join(a, b).transform(closing -> {
                for (int i = 0; i < loggers.size(); i++) {
                    loggers.get(i).setFilter(previous.get(i));
                }
                Result r = ar.result();
                if (r != null) {
                    LOG.info(() -> "RTT warm-up (p2p.rtt-warmup): " + r.roundTrips() + " round trips between two"
                            + " private nodes in " + r.millis() + " ms");
                }
                return Future.succeededFuture(r);
            });
        });
    }

    private Future<PeerNode> deploy(Vertx vertx, NodeConfig helper, NodeObserver observer) {
        PeerNode node = new PeerNode(helper, NodeClock.SYSTEM, observer);
        return vertx.deployVerticle(node, new DeploymentOptions().setConfig(new JsonObject().put(MARK, true)))
                .map(id -> node);
    }

    /**
     * Whether the caller runs on a helper's context (its loop, or a blocking task it started),
     * from the first line its start logs.
     */
    private static boolean onHelper() {
        Context current = Vertx.currentContext();
        JsonObject deployment = current == null ? null : current.config();
        return deployment != null && deployment.getBoolean(MARK, false);
    }

    /**
     * Ping rounds back to back on the helper's loop: each sends a ping unless 32 are in flight, and
     * the loop reads the answers between two rounds (a task at a time, I/O in between).
     */
    private void spin(PeerNode node) {
        node.loopContext().runOnContext(v -> {
            if (!stop.get()) {
                node.pingRound(); // on its loop: runs at once
                spin(node);
            }
        });
    }
}
