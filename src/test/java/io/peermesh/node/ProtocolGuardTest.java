package io.peermesh.node;

import io.peermesh.node.events.HandshakeResult;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.ProtocolError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken and unwelcome input: each closes only the offending connection, with its reason counted,
 * while a legitimate peer stays connected throughout.
 */
class ProtocolGuardTest {

    private static final Duration DEADLINE = Duration.ofSeconds(15);
    private final TestNodes nodes = new TestNodes();
    private final CountingObserver seen = new CountingObserver();
    private PeerNode node;
    private PeerNode legit;

    @BeforeEach
    void startNodeWithALegitimatePeer() {
        // The node under test sends no pings of its own, so the fake peers read exactly the answers.
        node = nodes.start(TestNodes.fast().handshakeTimeout(Duration.ofMillis(300)).maxFrameBytes(1024)
                .internalPingTimer(false).build(),
                NodeClock.SYSTEM, seen);
        legit = nodes.start(TestNodes.fast().bootstrap(List.of(node.advertised())).build());
        await(DEADLINE, () -> node.peerCount() == 1, () -> "legit peer");
    }

    @AfterEach
    void legitimatePeerSurvivedAndCloseAll() {
        try {
            assertEquals(1, node.peerCount(), "the legitimate peer is still connected");
            assertEquals(legit.nodeId(), get(node.peers()).get(0).nodeid());
        } finally {
            nodes.close();
        }
    }

    private void assertClosedFor(FakePeer fake, Object counted) throws Exception {
        assertTrue(fake.closedByNode(), "connection closed by the node");
        await(DEADLINE, () -> seen.count(counted) == 1, seen::toString);
    }

    @Test
    void invalidJsonClosesTheConnection() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("this is not json");
            assertClosedFor(fake, ProtocolError.INVALID_JSON);
        }
    }

    @Test
    void invalidUtf8ClosesTheConnection() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.sendRaw(new byte[] {'{', '"', 'm', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
            assertClosedFor(fake, ProtocolError.INVALID_JSON);
        }
    }

    @Test
    void aJsonValueThatIsNotAnObjectClosesTheConnection() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("[1,2,3]");
            assertClosedFor(fake, ProtocolError.NOT_AN_OBJECT);
        }
    }

    @Test
    void anObjectWithoutMsgtypeClosesTheConnection() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"nodeid\":\"" + fake.nodeId + "\"}");
            assertClosedFor(fake, ProtocolError.MISSING_MSGTYPE);
        }
    }

    @Test
    void aHelloWithoutAUuidNodeidClosesTheConnection() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"msgtype\":\"hello\",\"nodeid\":\"node-1\"}");
            assertClosedFor(fake, ProtocolError.INVALID_HELLO);
        }
    }

    @Test
    void aLineOverMaxFrameBytesClosesTheConnection() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            // No newline at all: the node must not wait for one forever, buffering.
            fake.sendRaw("x".repeat(5000).getBytes(StandardCharsets.US_ASCII));
            assertClosedFor(fake, ProtocolError.FRAME_TOO_LARGE);
        }
    }

    @Test
    void aMessageBeforeTheHelloIsRefused() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"1\"}");
            assertClosedFor(fake, ProtocolError.MESSAGE_BEFORE_HANDSHAKE);
            assertEquals(1, seen.count(HandshakeResult.REFUSED));
        }
    }

    @Test
    void aConnectionThatNeverSaysHelloIsClosedAtTheHandshakeTimeout() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            assertClosedFor(fake, HandshakeResult.TIMEOUT);
        }
    }

    @Test
    void aHelloFromAnotherNetworkIsRefusedWithThatReason() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + fake.nodeId + "\",\"network\":\"other\"}");
            String answer = fake.readLine();
            assertTrue(answer.contains("\"reject\"") && answer.contains("network_mismatch"), answer);
            assertClosedFor(fake, HandshakeResult.REFUSED);
        }
        // The dialling side explains it in its readiness.
        PeerNode stranger = nodes.start(TestNodes.fast().network("other").bootstrap(List.of(node.advertised())).build());
        await(DEADLINE, () -> stranger.readiness().problems().stream().anyMatch(p -> p.contains("network_mismatch")),
                () -> stranger.readiness().toString());
        assertTrue(!stranger.readiness().ready());
    }

    @Test
    void aHelloWithTheIdOfAConnectedPeerIsRefused() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + legit.nodeId() + "\"}");
            String answer = fake.readLine();
            assertTrue(answer.contains("\"reject\"") && answer.contains("duplicate"), answer);
            assertClosedFor(fake, HandshakeResult.DUPLICATE);
        }
    }

    @Test
    void theMinimalOriginalDesignPeerIsServed() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            String hello = fake.handshake();
            assertTrue(hello.contains("\"msgtype\":\"hello\"") && hello.contains(node.nodeId())
                    && hello.contains("\"version\":2") && hello.contains("\"listen\":\"" + node.advertised() + "\""), hello);
            fake.send("{\"msgtype\":\"ping\"}");
            assertEquals("{\"msgtype\":\"pong\"}", fake.next("pong"));
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"abc\",\"extra\":{\"nested\":[1,2]}}");
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"abc\"}", fake.next("pong"));
            fake.send("{\"msgtype\":\"whatever-comes-next\"}");
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"after-unknown\"}");
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"after-unknown\"}", fake.next("pong"));
            assertEquals(1, seen.count("received:UNKNOWN"));
            await(DEADLINE, () -> node.peerCount() == 2, () -> "minimal peer registered");
            fake.close();
            await(DEADLINE, () -> node.peerCount() == 1, () -> "minimal peer dropped");
        }
    }

    @Test
    void linesSplitAcrossReadsAndManyLinesInOneReadAreAllHandled() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            String hello = "{\"msgtype\":\"hello\",\"nodeid\":\"" + fake.nodeId + "\"}\n";
            fake.sendRaw(hello.substring(0, 10).getBytes(StandardCharsets.UTF_8));
            fake.sendRaw(hello.substring(10).getBytes(StandardCharsets.UTF_8));
            assertTrue(fake.readLine().contains("\"hello\""));
            fake.sendRaw("{\"msgtype\":\"ping\",\"nonce\":\"1\"}\r\n{\"msgtype\":\"ping\",\"nonce\":\"2\"}\n{\"msgtype\":\"ping\",\"nonce\":\"3\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"1\"}", fake.next("pong"));
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"2\"}", fake.next("pong"));
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"3\"}", fake.next("pong"));
        }
        await(DEADLINE, () -> node.peerCount() == 1, () -> "fake dropped");
    }

    /** PingLines answers canonical pings itself (#16); every other spelling still gets the same pong. */
    @Test
    void canonicalAndOtherwiseSpelledPingsGetTheSamePong() throws Exception {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.handshake();
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"9f86d081884c7d65\"}"); // as a node writes it
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"9f86d081884c7d65\"}", fake.next("pong"));
            fake.send("{ \"nonce\" : \"9f86d081884c7d65\", \"msgtype\" : \"ping\" }");
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"9f86d081884c7d65\"}", fake.next("pong"));
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"a\\u0062\"}"); // an escape: the decoder's job
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"ab\"}", fake.next("pong"));
            String longNonce = "n".repeat(200); // longer than the fast path takes
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"" + longNonce + "\"}");
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"" + longNonce + "\"}", fake.next("pong"));
        }
        await(DEADLINE, () -> node.peerCount() == 1, () -> "fake dropped");
    }
}
