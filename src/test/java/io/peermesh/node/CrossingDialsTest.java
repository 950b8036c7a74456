package io.peermesh.node;

import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Simultaneous dials resolved without letting a hello's claim alone displace a connection (see
 * {@link CrossingDials}): the half of a crossing the node cannot prove is parked until the peer
 * drops the other connection.
 */
class CrossingDialsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Sorts below every random UUID: the peer's dials win the tie-break. */
    private static final String SMALLEST_ID = "00000000-0000-4000-8000-000000000001";
    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    private static String hello(String nodeId, HostPort listen) {
        return "{\"msgtype\":\"hello\",\"nodeid\":\"" + nodeId + "\",\"version\":1,\"network\":\"peermesh\",\"listen\":\""
                + listen + "\"}";
    }

    /**
     * The interleaving where the node has already registered the connection it dialled when the
     * peer's own dial arrives: the peer's dial wins the tie-break, but its hello is only a claim.
     * It is parked (answered, so the peer can resolve the crossing on its side; its input held);
     * the peer then closes the connection the node dialled, and the parked one takes its place at
     * once: same peer, no re-dial, what it sent meanwhile answered in order.
     */
    @Test
    void theWinningDialIsParkedUntilThePeerDropsTheLosingOneThenTakesItsPlaceWithoutAFlap() throws Exception {
        CountingObserver seen = new CountingObserver();
        // The clock stands still: the peer's dial is always inside the crossing window.
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false).build(), new ManualClock(), seen);
        try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            HostPort peerAddress = new HostPort("127.0.0.1", listener.getLocalPort());
            node.connectTo(peerAddress);
            try (FakePeer dialledByNode = FakePeer.accept(listener, SMALLEST_ID)) {
                assertTrue(dialledByNode.readLine().contains(node.nodeId()), "the node's hello");
                dialledByNode.send(hello(SMALLEST_ID, peerAddress));
                await(DEADLINE, () -> node.peerCount() == 1, () -> "registered the connection it dialled");
                assertEquals("outbound", get(node.peers()).get(0).direction());

                try (FakePeer dialledByPeer = new FakePeer(node.port(), SMALLEST_ID)) {
                    dialledByPeer.send(hello(SMALLEST_ID, peerAddress));
                    String answer = dialledByPeer.readLine();
                    assertTrue(answer.contains("\"hello\"") && answer.contains(node.nodeId()), "parked, answered: " + answer);
                    // What a real peer sends once it has the answer; held while parked.
                    dialledByPeer.send("{\"msgtype\":\"getaddr\"}");
                    dialledByPeer.send("{\"msgtype\":\"ping\",\"nonce\":\"sent-while-parked\"}");
                    assertEquals("outbound", get(node.peers()).get(0).direction(), "the dialled connection stays until dropped");
                    assertEquals(0, seen.count("received:GETADDR"), "nothing read from a parked connection");

                    dialledByNode.close(); // the peer resolves the crossing on its side
                    await(DEADLINE, () -> get(node.peers()).stream().allMatch(p -> p.direction().equals("inbound")),
                            () -> "peers " + get(node.peers()));
                    assertEquals(1, node.peerCount());
                    TargetStatus target = get(node.targets()).get(0);
                    assertEquals("connected", target.state(), "no peer lost, no re-dial: " + target);
                    assertEquals(1, seen.count(DialResult.OK), "dialled once");
                    assertTrue(dialledByPeer.next("addr").contains("\"peers\":[]"), "the held getaddr answered");
                    assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"sent-while-parked\"}", dialledByPeer.next("pong"));
                    assertEquals(2, seen.count(HandshakeResult.OK), seen::toString);
                    assertEquals(0, seen.count(HandshakeResult.DUPLICATE), seen::toString);
                }
            }
        }
    }

    /**
     * A peer that says bye on the connection the node dialled is leaving, not resolving a crossing:
     * its parked dial is not let in, and is refused as a duplicate at its deadline.
     */
    @Test
    void aByeOnTheRegisteredConnectionDoesNotLetTheParkedOneIn() throws Exception {
        CountingObserver seen = new CountingObserver();
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false).build(), new ManualClock(), seen);
        try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            HostPort peerAddress = new HostPort("127.0.0.1", listener.getLocalPort());
            node.connectTo(peerAddress);
            try (FakePeer dialledByNode = FakePeer.accept(listener, SMALLEST_ID);
                    FakePeer claimant = new FakePeer(node.port(), SMALLEST_ID)) {
                dialledByNode.readLine();
                dialledByNode.send(hello(SMALLEST_ID, peerAddress));
                await(DEADLINE, () -> node.peerCount() == 1, () -> "registered the connection it dialled");
                claimant.send(hello(SMALLEST_ID, peerAddress));
                assertTrue(claimant.readLine().contains("\"hello\""), "parked");
                dialledByNode.send("{\"msgtype\":\"bye\",\"reason\":\"shutdown\"}");
                await(DEADLINE, () -> node.peerCount() == 0, () -> "the peer left");
                String refusal = claimant.next("reject");
                assertTrue(refusal.contains("duplicate"), refusal);
                assertTrue(claimant.closedByNode());
                assertEquals(0, node.peerCount());
            }
        }
    }

    /**
     * Crossing dials where each node dials the other by a name ({@code localhost}) while the other
     * announces its IP: an outbound connection then proves nothing about the registered one, so
     * both halves may park. Whatever the interleaving, both end with the same single connection.
     */
    @Test
    void crossingDialsByAnotherNameOfTheAddressEndWithOneConnectionOnBothSides() throws Exception {
        int crossed = 0;
        for (int round = 0; round < 40 && crossed < 3; round++) {
            int r = round;
            if (nodes.dialEachOther("localhost", DEADLINE, p -> assertEquals(
                    p.aSeesB().direction().equals("outbound") ? "inbound" : "outbound", p.bSeesA().direction(),
                    "both kept the same connection, round " + r))) {
                crossed++;
            }
        }
        assertTrue(crossed > 0, "in 40 rounds the two dials never crossed");
    }
}
