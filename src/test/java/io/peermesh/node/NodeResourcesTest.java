package io.peermesh.node;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peermesh.metrics.MicrometerNodeObserver;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a node opens in start (server, client, connections, timers, meters) is closed in stop. */
class NodeResourcesTest {

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    @Test
    void stoppingANodeReleasesItsPortConnectionsTimersAndMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerNodeObserver metrics = new MicrometerNodeObserver(registry);
        PeerNode peer = nodes.start(TestNodes.fast().build());
        // One live peer (a connection and its pings) and one dead bootstrap address (a re-dial timer).
        PeerNode node = nodes.start(TestNodes.fast()
                .bootstrap(List.of(peer.advertised(), new HostPort("127.0.0.1", PeerNodeTest.freePort()))).build(),
                NodeClock.SYSTEM, metrics);
        metrics.bindGauges(node);
        await(Duration.ofSeconds(15), () -> node.peerCount() == 1 && node.pendingDialTimers() >= 1,
                () -> "peers " + node.peerCount() + ", timers " + node.pendingDialTimers());
        assertTrue(node.pingTimerActive());
        assertTrue(node.expiryTimerActive(), "a ping is in flight, so its expiry is armed");
        assertFalse(registry.getMeters().isEmpty());
        int port = node.port();

        nodes.stop(node);
        metrics.close();

        assertEquals(0, node.openConnections(), "connections closed before stop completed");
        assertEquals(0, node.pendingDialTimers(), "re-dial timers cancelled");
        assertFalse(node.pingTimerActive(), "ping timer cancelled");
        assertFalse(node.expiryTimerActive(), "ping expiry timer cancelled");
        assertFalse(node.isListening());
        assertFalse(nodes.vertx.deploymentIDs().contains(node.deploymentID()), "verticle undeployed");
        assertTrue(registry.getMeters().isEmpty(), "meters removed: " + registry.getMeters());
        try (ServerSocket rebind = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, rebind.getLocalPort(), "peer port released");
        }
        await(Duration.ofSeconds(15), () -> peer.peerCount() == 0, () -> "peer saw the node leave");
    }

    @Test
    void aTakenPortFailsTheStartNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Throwable failure = Eventually.getFailure(PeerNode.deploy(nodes.vertx,
                    TestNodes.fast().port(taken.getLocalPort()).build(), NodeClock.SYSTEM, NodeObserver.NONE));
            assertTrue(failure.getMessage().contains("p2p.port " + taken.getLocalPort() + " is already in use"),
                    failure.getMessage());
        }
    }
}
