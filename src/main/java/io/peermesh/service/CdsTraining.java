package io.peermesh.service;

import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The AppCDS training run ({@code -Dquarkus.profile=cds-training}, see application.properties):
 * the application starts as usual, two in-JVM nodes peer with it (one dials it, it dials the
 * other), the probes and the metrics are asked over HTTP once the node is ready, and the
 * application exits. Started with {@code -XX:ArchiveClassesAtExit=app-cds.jsa}, the JVM then
 * archives every class this start-to-ready path loaded (the build and the Dockerfile do this), and
 * {@code -XX:SharedArchiveFile=app-cds.jsa} maps them instead of loading them again. Quarkus' own
 * {@code quarkus.package.jar.appcds} stops after static init and misses the Vert.x servers, the
 * node and the handshake, about half of the classes.
 *
 * <p>Does nothing unless {@code peermesh.cds-training} is true. The waiting happens on a thread of
 * its own: the HTTP server opens only after the startup observers have returned.
 */
@ApplicationScoped
public class CdsTraining {

    private static final Logger LOG = Logger.getLogger(CdsTraining.class);
    private static final long DEADLINE_MILLIS = 60_000;
    private static final List<String> PATHS = List.of("/q/health/started", "/q/health/live", "/q/health/ready", "/q/metrics");

    @Inject
    PeerService service;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "peermesh.cds-training", defaultValue = "false")
    boolean enabled;

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            Thread t = new Thread(this::train, "cds-training");
            t.setDaemon(true);
            t.start();
        }
    }

    private void train() {
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        PeerNode inbound = null;
        PeerNode outbound = null;
        try {
            PeerNode node = service.node();
            HostPort self = new HostPort("127.0.0.1", node.port());
            inbound = helper(node, List.of(self));
            outbound = helper(node, List.of());
            node.connectTo(new HostPort("127.0.0.1", outbound.port()));
            await("two peers", () -> node.peerCount() >= 2, deadline);
            await("the HTTP port", () -> httpPort().isPresent(), deadline);
            int port = httpPort().orElseThrow();
            await("/q/health/ready UP", () -> get(port, "/q/health/ready") == 200, deadline);
            for (String path : PATHS) {
                int status = get(port, path);
                if (status != 200) {
                    throw new IllegalStateException(path + " answered " + status);
                }
            }
            LOG.info("AppCDS training run done: started, two peers, probes and metrics answered");
            close(inbound, outbound);
            Quarkus.asyncExit(0);
        } catch (Exception e) {
            LOG.error("AppCDS training run failed: " + e.getMessage(), e);
            close(inbound, outbound);
            Quarkus.asyncExit(1);
        }
    }

    private PeerNode helper(PeerNode node, List<HostPort> bootstrap) throws Exception {
        NodeConfig c = NodeConfig.builder().host("127.0.0.1").port(0).network(node.nodeConfig().network())
                .bootstrap(bootstrap).build();
        return PeerNode.deploy(vertx, c, NodeClock.SYSTEM, NodeObserver.NONE).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private static void close(PeerNode... nodes) {
        for (PeerNode n : nodes) {
            if (n != null) {
                try {
                    n.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.debug("closing a training helper node failed", e);
                }
            }
        }
    }

    /** The bound HTTP port: with quarkus.http.port=0 Quarkus publishes the one it got once it listens. */
    private static Optional<Integer> httpPort() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).filter(p -> p > 0);
    }

    private static void await(String what, BooleanSupplier condition, long deadline) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("no " + what + " within " + DEADLINE_MILLIS / 1000 + " s");
            }
            Thread.sleep(20);
        }
    }

    /** Status code of a GET on 127.0.0.1 (HTTP/1.1, connection closed after), or -1 if none. */
    private static int get(int port, String path) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            // "HTTP/1.1 200 OK"
            return response.length() >= 12 ? Integer.parseInt(response.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
