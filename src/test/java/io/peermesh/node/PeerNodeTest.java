package io.peermesh.node;

import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.view.PeerView;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several core nodes in one JVM on loopback, port 0: handshake, self-dial, duplicates, loss, re-dial. */
class PeerNodeTest {

    private static final Duration DEADLINE = Duration.ofSeconds(15);
    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    private static Set<String> peerIds(PeerNode n) {
        return get(n.peers()).stream().map(PeerView::nodeid).collect(Collectors.toSet());
    }

    @Test
    void threeNodesHandshakeIntoAFullMesh() {
        PeerNode a = nodes.start(TestNodes.fast().build());
        PeerNode b = nodes.start(TestNodes.fast().bootstrap(List.of(a.advertised())).build());
        PeerNode c = nodes.start(TestNodes.fast().bootstrap(List.of(a.advertised(), b.advertised())).build());

        await(DEADLINE, () -> a.peerCount() == 2 && b.peerCount() == 2 && c.peerCount() == 2,
                () -> "peers " + a.peerCount() + "/" + b.peerCount() + "/" + c.peerCount());
        assertEquals(Set.of(b.nodeId(), c.nodeId()), peerIds(a));
        assertEquals(Set.of(a.nodeId(), c.nodeId()), peerIds(b));
        assertTrue(a.readiness().ready(), "a ready with 2 peers");
        PeerView bSeenByA = get(a.peers()).stream().filter(p -> p.nodeid().equals(b.nodeId())).findFirst().orElseThrow();
        assertEquals(b.advertised().toString(), bSeenByA.listenAddress());
        assertEquals("peermesh", bSeenByA.network());
        assertEquals(NodeConfig.PROTOCOL_VERSION, bSeenByA.version());
    }

    @Test
    void pongsAreMeasuredAsRoundTrips() {
        CountingObserver seen = new CountingObserver();
        PeerNode a = nodes.start(TestNodes.fast().build(), NodeClock.SYSTEM, seen);
        nodes.start(TestNodes.fast().bootstrap(List.of(a.advertised())).build());
        await(DEADLINE, () -> get(a.peers()).stream().anyMatch(p -> p.lastRttMillis() != null),
                () -> "no RTT measured: " + get(a.peers()));
        PeerView p = get(a.peers()).get(0);
        assertTrue(p.lastRttMillis() >= 0 && p.smoothedRttMillis() >= 0 && p.lastPong() != null, p.toString());
        assertTrue(seen.count("rtt") >= 1 && seen.count("sent:PING") >= 1 && seen.count("received:PONG") >= 1, seen.toString());
    }

    @Test
    void dialingItselfIsDetectedCountedOnceAndNeverRepeated() throws Exception {
        int port = freePort();
        CountingObserver seen = new CountingObserver();
        // Bootstrap to our own port under another name, so that only the hello can tell it is us.
        PeerNode me = nodes.start(TestNodes.fast().port(port).bootstrap(List.of(new HostPort("localhost", port))).build(),
                NodeClock.SYSTEM, seen);
        await(DEADLINE, () -> get(me.targets()).stream().anyMatch(t -> t.state().equals("self")),
                () -> "targets " + get(me.targets()));
        assertEquals(1, seen.count(HandshakeResult.SELF), seen.toString());
        assertEquals(1, seen.count(DialResult.OK), seen.toString());
        assertEquals(0, me.peerCount());
        assertEquals("only itself found: every address it was given leads back to this node", me.readiness().reason());

        // Let time pass visibly: a witness node re-dials a dead port through several backoff rounds.
        CountingObserver witness = new CountingObserver();
        nodes.start(TestNodes.fast().bootstrap(List.of(new HostPort("127.0.0.1", freePort()))).build(),
                NodeClock.SYSTEM, witness);
        await(DEADLINE, () -> witness.count(DialResult.REFUSED) >= 4, witness::toString);
        assertEquals(1, seen.count(DialResult.OK) + seen.count(DialResult.REFUSED), "its own address was dialled once only");
    }

    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
