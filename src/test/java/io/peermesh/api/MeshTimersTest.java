package io.peermesh.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.node.Eventually;
import io.peermesh.service.PeerService;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the /mesh API opens on start it closes on stop (issue #14): the history's sampling timer
 * runs from StartupEvent to ShutdownEvent, and the mesh streams' timer is gone after shutdown.
 * Plain objects on a Vert.x of their own, no node (the service has none until it starts one).
 */
class MeshTimersTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        Eventually.get(vertx.close());
    }

    @Test
    void theHistoryTimerRunsFromStartToStop() {
        LinkHistory history = new LinkHistory(vertx, new PeerService(vertx, null, null, null));
        assertFalse(history.running());
        history.onStart(null);
        assertTrue(history.running());
        history.sample(); // no node yet: nothing to sample, nothing breaks
        history.onStop(null);
        assertFalse(history.running());
    }

    @Test
    void theMeshStreamTimerIsGoneAfterShutdown() {
        MeshStreams streams = new MeshStreams(vertx, new PeerService(vertx, null, null, null), new ObjectMapper());
        assertFalse(streams.running());
        streams.check(); // no stream open: nothing to do, no timer
        streams.onStop(null);
        assertFalse(streams.running());
    }
}
