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

    private final Vertx vertx;
    private final P2pConfig p2p;
    private final MeterRegistry registry;
    private final TlsConfigurationRegistry tlsRegistry;

    private volatile PeerNode node;
    private MicrometerNodeObserver metrics;

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
        try {
            vertx.deployVerticle(created).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            metrics.close();
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
        }
        metrics.bindGauges(created);
        node = created;
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
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

    /** Sends a ping round; no-op before start and after stop. */
    public void pingRound() {
        PeerNode running = node;
        if (running != null) {
            running.pingRound();
        }
    }

    /** The running node, or null before start. */
    public PeerNode node() {
        return node;
    }
}
