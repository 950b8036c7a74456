package io.peermesh.node;

import static io.peermesh.node.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each limit refuses or closes only the offending connection, is counted, and leaves a
 * legitimate peer connected.
 */
class LimitsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private final TestNodes nodes = new TestNodes();
    private final CountingObserver seen = new CountingObserver();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    private PeerNode nodeWithLegitPeer(LimitsConfig limits) {
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false).limits(limits).build(), NodeClock.SYSTEM, seen);
        nodes.start(TestNodes.fast().bootstrap(List.of(node.advertised())).build());
        await(DEADLINE, () -> node.peerCount() == 1, () -> "legit peer");
        return node;
    }

    @Test
    void connectionsBeyondThePendingHandshakeCapAreRefused() throws Exception {
        PeerNode node = nodeWithLegitPeer(LimitsConfig.DEFAULTS.withInbound(4096, 4096).withPendingHandshakes(3));
        List<FakePeer> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                silent.add(new FakePeer(node.port())); // connect, never say hello
            }
            await(DEADLINE, () -> seen.count(Limit.PENDING_HANDSHAKES) == 2, seen::toString);
            assertTrue(silent.get(4).closedByNode(), "the fifth was refused at once");
            assertEquals(1, node.peerCount());
        } finally {
            for (FakePeer f : silent) {
                f.close();
            }
        }
    }

    @Test
    void connectionsBeyondThePerIpCapAreRefused() throws Exception {
        // The legit peer holds one inbound connection from 127.0.0.1 already.
        PeerNode node = nodeWithLegitPeer(LimitsConfig.DEFAULTS.withInbound(4096, 2));
        try (FakePeer second = new FakePeer(node.port()); FakePeer third = new FakePeer(node.port())) {
            second.handshake();
            assertTrue(third.closedByNode(), "the third connection from one IP is refused");
            await(DEADLINE, () -> seen.count(Limit.INBOUND_PER_IP) == 1, seen::toString);
            assertEquals(2, node.peerCount());
        }
    }

    @Test
    void aPingFloodClosesTheFlooderOnly() throws Exception {
        PeerNode node = nodeWithLegitPeer(LimitsConfig.DEFAULTS.withInbound(4096, 4096).withMessageRate(10, 20));
        try (FakePeer flooder = new FakePeer(node.port())) {
            flooder.handshake();
            StringBuilder pings = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                pings.append("{\"msgtype\":\"ping\",\"nonce\":\"").append(i).append("\"}\n");
            }
            flooder.sendRaw(pings.toString().getBytes(StandardCharsets.UTF_8));
            assertTrue(flooder.closedByNode());
            await(DEADLINE, () -> seen.count(Limit.MESSAGE_RATE) == 1, seen::toString);
            await(DEADLINE, () -> node.peerCount() == 1, () -> "flooder still listed");
        }
    }

    @Test
    void aPeerThatDoesNotReadIsDisconnectedBeforeItsQueueGrowsUnbounded() throws Exception {
        PeerNode node = nodeWithLegitPeer(LimitsConfig.DEFAULTS.withInbound(4096, 4096)
                .withMessageRate(1_000_000, 1_000_000).withWriteQueueBytes(4096));
        try (FakePeer deaf = new FakePeer(node.port())) {
            deaf.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + deaf.nodeId + "\"}");
            // Pings whose pongs it never reads: the kernel buffers fill, then the node's queue.
            byte[] batch = "{\"msgtype\":\"ping\",\"nonce\":\"0123456789abcdef0123456789\"}\n".repeat(2000)
                    .getBytes(StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            try {
                for (int i = 0; i < 2000 && seen.count(Limit.WRITE_QUEUE) == 0 && System.nanoTime() < deadline; i++) {
                    deaf.sendRaw(batch);
                }
            } catch (IOException closedUnderUs) {
                // expected once the node has disconnected it
            }
            await(DEADLINE, () -> seen.count(Limit.WRITE_QUEUE) == 1, seen::toString);
            await(DEADLINE, () -> node.peerCount() == 1, () -> "deaf peer still listed");
        }
    }

    @Test
    void anIpThatBrokeTheProtocolIsRefusedUntilTheCoolingOffEnds() throws Exception {
        ManualClock clock = new ManualClock();
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false)
                .limits(LimitsConfig.DEFAULTS.withInbound(4096, 4096).withBanDuration(Duration.ofMinutes(1))).build(),
                clock, seen);
        nodes.start(TestNodes.fast().bootstrap(List.of(node.advertised())).build());
        await(DEADLINE, () -> node.peerCount() == 1, () -> "legit peer");
        try (FakePeer rude = new FakePeer(node.port())) {
            rude.send("garbage");
            assertTrue(rude.closedByNode());
        }
        try (FakePeer next = new FakePeer(node.port())) {
            assertTrue(next.closedByNode(), "refused while cooling off");
            await(DEADLINE, () -> seen.count(Limit.COOLING_OFF) == 1, seen::toString);
        }
        clock.advance(Duration.ofMinutes(1));
        try (FakePeer later = new FakePeer(node.port())) {
            assertTrue(later.handshake().contains("\"hello\""), "served again after the cooling-off");
        }
        assertEquals(1, seen.count(Limit.COOLING_OFF));
        await(DEADLINE, () -> node.peerCount() == 1, () -> "the legitimate peer stayed");
    }
}
