package io.peermesh.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The warm-up's helpers really ping each other, stay out of the logs and leave nothing behind. */
class RttWarmupTest {

    private static final Logger NODE_LOG = Logger.getLogger("io.peermesh.node.MeshNode");
    /** One line per round trip at FINE: what the rttproc benchmark reads as the node's samples. */
    private static final Logger RTT_LOG = Logger.getLogger("io.peermesh.rtt");

    private Vertx vertx;
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            // The handler sees what passed the logger's filter.
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level levelBefore;
    private Level rttLevelBefore;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        levelBefore = NODE_LOG.getLevel();
        NODE_LOG.setLevel(Level.INFO);
        NODE_LOG.addHandler(capture);
        rttLevelBefore = RTT_LOG.getLevel();
        RTT_LOG.setLevel(Level.FINE);
        RTT_LOG.addHandler(capture);
    }

    @AfterEach
    void tearDown() throws Exception {
        NODE_LOG.removeHandler(capture);
        NODE_LOG.setLevel(levelBefore);
        RTT_LOG.removeHandler(capture);
        RTT_LOG.setLevel(rttLevelBefore);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static final class Counting implements NodeObserver {
        final AtomicLong roundTrips = new AtomicLong();

        @Override
        public void pingRoundTrip(long nanos) {
            roundTrips.incrementAndGet();
        }
    }

    private static RttWarmup.Result await(RttWarmup w) throws Exception {
        return w.done().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void helpersPingEachOtherThenCloseAndLogNothing() throws Exception {
        Counting observer = new Counting();
        RttWarmup w = RttWarmup.start(vertx, NodeConfig.builder().build(), 300, 60_000, observer,
                observer.roundTrips::get);
        RttWarmup.Result r = await(w);
        assertNotNull(r);
        assertTrue(r.roundTrips() >= 300, "round trips " + r.roundTrips());
        assertTrue(observer.roundTrips.get() >= 300);
        assertEquals(0, vertx.deploymentIDs().size(), "helpers still deployed: " + vertx.deploymentIDs());
        assertNull(NODE_LOG.getFilter(), "the log filter is taken off again");
        assertNull(RTT_LOG.getFilter(), "the log filter is taken off again");
        assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList(), "the helpers' lines (their round trips too) are dropped");
    }

    @Test
    void stopEndsItEarlyAndStillCloses() throws Exception {
        Counting observer = new Counting();
        RttWarmup w = RttWarmup.start(vertx, NodeConfig.builder().build(), Long.MAX_VALUE, 600_000, observer,
                observer.roundTrips::get);
        w.stop();
        await(w);
        assertEquals(0, vertx.deploymentIDs().size(), "helpers still deployed: " + vertx.deploymentIDs());
        assertNull(NODE_LOG.getFilter());
    }

    @Test
    void theNodesOwnLinesStillPassWhileItRuns() throws Exception {
        Counting observer = new Counting();
        RttWarmup w = RttWarmup.start(vertx, NodeConfig.builder().build(), Long.MAX_VALUE, 600_000, observer,
                observer.roundTrips::get);
        try {
            io.peermesh.node.Eventually.await(java.time.Duration.ofSeconds(30), () -> observer.roundTrips.get() > 0,
                    () -> "no round trip");
            NODE_LOG.info("a line of the node's own");
            vertx.runOnContext(v -> NODE_LOG.info("a line from another context"));
            io.peermesh.node.Eventually.await(java.time.Duration.ofSeconds(30), () -> logged.size() == 2,
                    () -> "logged " + logged.stream().map(LogRecord::getMessage).toList());
        } finally {
            w.stop();
            await(w);
        }
    }
}
