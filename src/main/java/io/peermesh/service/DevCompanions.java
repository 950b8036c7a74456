package io.peermesh.service;

import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * In dev mode only ({@code ./mvnw quarkus:dev}), starts {@code p2p.dev.companions} (2) {@link Companions}
 * peered with the application's node once it listens, so that the node is ready and the topology page
 * shows a mesh within seconds (issue #14). Never in the prod or test launch modes, whatever the key
 * says. Stopped on shutdown, which dev mode also fires before every live reload: the reloaded
 * application starts new ones, and no port of the old ones stays open.
 */
@ApplicationScoped
public class DevCompanions {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DevCompanions.class);
    private static final long WAIT_SECONDS = 10;

    private final Vertx vertx;
    private final P2pConfig p2p;
    private final PeerService service;
    private final LaunchMode mode;
    private volatile Companions running;

    @Inject
    public DevCompanions(Vertx vertx, P2pConfig p2p, PeerService service) {
        this(vertx, p2p, service, LaunchMode.current());
    }

    DevCompanions(Vertx vertx, P2pConfig p2p, PeerService service, LaunchMode mode) {
        this.vertx = vertx;
        this.p2p = p2p;
        this.service = service;
        this.mode = mode;
    }

    /** After PeerService's own StartupEvent observer (default priority 2500): the node listens by then. */
    void onStart(@Observes @Priority(3000) StartupEvent event) throws Exception {
        int count = p2p.dev().companions();
        PeerNode node = service.node();
        if (mode != LaunchMode.DEVELOPMENT || count == 0 || node == null) {
            return;
        }
        HostPort main = new HostPort("127.0.0.1", node.port());
        try {
            running = Companions.start(vertx, count, node.nodeConfig(), main).toCompletionStage().toCompletableFuture()
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start the dev-mode companion nodes (p2p.dev.companions=" + count
                    + ", 0 turns them off): " + e.getCause().getMessage(), e.getCause());
        }
        LOG.infof("dev mode: started %d companion nodes on loopback, peered with this node (p2p.dev.companions=0 turns them off)",
                count);
    }

    /** Before PeerService stops the node (lower priority first), so the companions' byes reach it. */
    void onStop(@Observes @Priority(2000) ShutdownEvent event) throws InterruptedException {
        Companions c = running;
        running = null;
        if (c == null) {
            return;
        }
        try {
            c.stop().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("dev-mode companion nodes did not stop within " + WAIT_SECONDS + " s");
        }
    }

    /** The companions running now, or null (tests). */
    Companions running() {
        return running;
    }
}
