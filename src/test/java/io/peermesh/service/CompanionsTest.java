package io.peermesh.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.Eventually;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dev-mode companions (issue #14) over real loopback sockets: they make a lone node ready with
 * two peers (and a full mesh of three), and once stopped none of their ports accepts a connection.
 */
class CompanionsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        Eventually.get(vertx.close());
    }

    @Test
    void twoCompanionsMakeTheNodeReadyAndLeaveNoPortOpenWhenStopped() throws Exception {
        NodeConfig base = NodeConfig.builder().host("127.0.0.1").port(0).pingInterval(Duration.ofSeconds(1))
                .pingTimeout(Duration.ofSeconds(3)).build();
        PeerNode main = Eventually.get(PeerNode.deploy(vertx, base, NodeClock.SYSTEM, NodeObserver.NONE));
        assertTrue(!main.readiness().ready());
        Companions companions = Eventually.get(Companions.start(vertx, 2, main.nodeConfig(), new HostPort("127.0.0.1", main.port())));
        List<PeerNode> nodes = companions.nodes();
        Eventually.await(DEADLINE, () -> main.readiness().ready() && main.peerCount() == 2
                        && nodes.stream().allMatch(n -> n.peerCount() == 2),
                () -> "main " + main.peerCount() + " peers, companions " + nodes.stream().map(PeerNode::peerCount).toList());
        assertEquals("companion-1", Eventually.get(main.members()).stream()
                .filter(m -> m.nodeid().equals(nodes.get(0).nodeId())).findFirst().orElseThrow().metadata().get("role"));
        List<Integer> ports = nodes.stream().map(PeerNode::port).toList();
        Eventually.get(companions.stop());
        for (int port : ports) {
            assertThrows(ConnectException.class, () -> connect(port), "port " + port + " still open");
        }
        Eventually.await(DEADLINE, () -> main.peerCount() == 0, () -> "main still has " + main.peerCount() + " peers");
        Eventually.get(main.close());
    }

    @Test
    void moreThanSixteenIsRefusedNamingTheKey() {
        Throwable t = Eventually.getFailure(Companions.start(vertx, 17, NodeConfig.builder().build(), new HostPort("127.0.0.1", 1)));
        assertTrue(t.getMessage().contains("p2p.dev.companions"), t.getMessage());
    }

    private static void connect(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        }
    }
}
