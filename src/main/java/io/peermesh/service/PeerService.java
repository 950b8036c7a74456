package io.peermesh.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.peermesh.metrics.MicrometerNodeObserver;
import io.peermesh.node.NodeClock;
import io.peermesh.node.NodeConfig;
import io.peermesh.node.PeerNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs this application's one {@link PeerNode} on Quarkus' Vert.x: deployed on start (a bad
 * config or a taken port fails the start), undeployed on shutdown, which sends bye to every peer
 * and closes its server, client, connections, timers and meters. Also on dev-mode reload, so the
 * reloaded application gets the port. With {@code p2p.tls.configuration-name} set, the peer port
 * uses that Quarkus TLS configuration (from the {@link TlsConfigurationRegistry}) for mutual TLS.
 */
@ApplicationScoped
public class PeerService {

    private static final long STOP_WAIT_SECONDS = 10;
    /** The warm-up ends after this however few round trips it made (a loaded machine). */
    private static final long WARMUP_MAX_MILLIS = 5_000;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(PeerService.class);

    private final Vertx vertx;
    private final P2pConfig p2p;
    private final MeterRegistry registry;
    private final TlsConfigurationRegistry tlsRegistry;

    private volatile PeerNode node;
    /** The Vert.x periodic timer that starts each ping round; -1 when none. */
    private volatile long pingTimer = -1;
    private MicrometerNodeObserver metrics;
    private volatile RttWarmup warmup;

    @Inject
    public PeerService(Vertx vertx, P2pConfig p2p, MeterRegistry registry, TlsConfigurationRegistry tlsRegistry) {
        this.vertx = vertx;
        this.p2p = p2p;
        this.registry = registry;
        this.tlsRegistry = tlsRegistry;
    }

    void onStart(@Observes StartupEvent event) throws InterruptedException, TimeoutException {
        NodeConfig config = NodeConfigFactory.from(p2p, tlsRegistry);
        metrics = new MicrometerNodeObserver(registry);
        PeerNode created = new PeerNode(config, NodeClock.SYSTEM, metrics);
        if (p2p.rttWarmup() > 0) {
            created.holdRttSamples(); // released when the warm-up is done: until then a round trip measures this start
        }
        try {
            vertx.deployVerticle(created).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            metrics.close();
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
        }
        metrics.bindGauges(created);
        node = created;
        // One tick per p2p.ping-interval, the first one interval after start; each tick's round runs at
        // the node's own phase of the interval (PeerNode#pingRoundAtPhase). A Vert.x timer, not the
        // Quarkus scheduler: that extension's classes, its thread and its wake-up every second were
        // start and idle cost for one timer (README "Start-up profile", issue #15).
        pingTimer = vertx.setPeriodic(config.pingInterval().toMillis(), config.pingInterval().toMillis(),
                id -> pingRound());
        if (p2p.rttWarmup() > 0) {
            warmUp(config, p2p.rttWarmup(), created);
        }
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        long timer = pingTimer;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            pingTimer = -1;
        }
        stopWarmup();
        PeerNode running = node;
        if (running == null) {
            return;
        }
        try {
            running.close().toCompletionStage().toCompletableFuture().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Still release the meters: a stuck close must not leave gauges reading a dead node.
        } finally {
            metrics.close();
        }
    }

    /**
     * Starts {@link RttWarmup} beside the running node (readiness does not wait for it), reporting
     * to an observer like the node's over a registry like the application's (same classes, none of
     * its meters); both are closed when it is done. A failure is logged: the ping path then warms
     * up slowly, as it did without.
     */
    private void warmUp(NodeConfig config, long roundTrips, PeerNode node) {
        MeterRegistry scratch = ScratchRegistry.like(registry);
        MicrometerNodeObserver observer = new MicrometerNodeObserver(scratch);
        io.micrometer.core.instrument.Timer rtt = scratch.find("p2p.ping.rtt").timer();
        RttWarmup started = RttWarmup.start(vertx, config, roundTrips, WARMUP_MAX_MILLIS, observer,
                () -> rtt == null ? 0 : rtt.count());
        warmup = started;
        started.done().onComplete(ar -> {
            node.releaseRttSamples();
            observer.close();
            scratch.close();
        });
    }

    /** Ends a warm-up still running and waits for its helpers to close: stop releases what start opened. */
    private void stopWarmup() throws InterruptedException {
        RttWarmup running = warmup;
        if (running == null) {
            return;
        }
        running.stop();
        try {
            running.done().toCompletionStage().toCompletableFuture().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("RTT warm-up (p2p.rtt-warmup) helpers did not close within " + STOP_WAIT_SECONDS + " s");
        }
    }

    /**
     * Sends a ping round at the node's phase of the interval (the timer's ticks come at the same
     * moments on nodes started together); no-op before start and after stop.
     */
    public void pingRound() {
        PeerNode running = node;
        if (running != null) {
            running.pingRoundAtPhase();
        }
    }

    /** The running node, or null before start. */
    public PeerNode node() {
        return node;
    }
}
