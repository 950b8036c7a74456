package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.events.Limit;
import io.peermesh.vertx.PeerNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void thePerIpCapCountsOnlyConnectionsStillInTheirHandshake() throws Exception {
        // Behind a sidecar every peer has one source address: established peers must not count.
        PeerNode node = nodeWithLegitPeer(LimitsConfig.DEFAULTS.withInbound(4096, 2));
        List<FakePeer> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                FakePeer p = new FakePeer(node.port());
                peers.add(p);
                assertTrue(p.handshake().contains("\"hello\""), "peer " + i + " served");
            }
            await(DEADLINE, () -> node.peerCount() == 5, () -> "peers " + node.peerCount());
            FakePeer silent1 = new FakePeer(node.port());
            FakePeer silent2 = new FakePeer(node.port());
            peers.add(silent1);
            peers.add(silent2);
            // Both held in their handshake (the node answers a hello only, so wait for the count).
            await(DEADLINE, () -> node.handshakingFrom("127.0.0.1") == 2, () -> "handshaking " + node.handshakingFrom("127.0.0.1"));
            try (FakePeer third = new FakePeer(node.port())) {
                assertTrue(third.closedByNode(), "a third connection in its handshake from one IP is refused");
            }
            await(DEADLINE, () -> seen.count(Limit.INBOUND_PER_IP) == 1, seen::toString);
            assertEquals(5, node.peerCount());
        } finally {
            for (FakePeer p : peers) {
                p.close();
            }
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
    void anAddressIsRefusedOnlyAfterRepeatedOffencesAndNeverForARecentPeer() throws Exception {
        ManualClock clock = new ManualClock();
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false)
                .limits(LimitsConfig.DEFAULTS.withInbound(4096, 4096).withBanDuration(Duration.ofMinutes(1))).build(),
                clock, seen);
        nodes.start(TestNodes.fast().bootstrap(List.of(node.advertised())).build());
        await(DEADLINE, () -> node.peerCount() == 1, () -> "legit peer");
        String attacker = "127.0.0.2"; // an address of its own: loopback is all of 127/8
        String returning = java.util.UUID.randomUUID().toString();
        try (FakePeer before = FakePeer.from(attacker, node.port(), returning)) {
            assertTrue(before.handshake().contains("\"hello\""), "a peer from there, before any offence");
        }
        await(DEADLINE, () -> node.peerCount() == 1, () -> "it left");
        clock.advance(Duration.ofMinutes(1)); // ... a while ago: that address no longer hosts a peer
        for (int i = 1; i <= 3; i++) {
            try (FakePeer rude = FakePeer.from(attacker, node.port(), "x")) {
                rude.send("garbage " + i);
                assertTrue(rude.closedByNode());
            }
            int offences = i;
            // Each of the three was served (read, and closed for its garbage), not refused at the door.
            await(DEADLINE, () -> seen.count(io.peermesh.wire.ProtocolError.INVALID_JSON) == offences, seen::toString);
        }
        assertEquals(0, seen.count(Limit.COOLING_OFF), "no refusal before the third offence");
        idleFrom(node, attacker); // the node let go of the third (a refused address gets one connection at a time)
        try (FakePeer stranger = FakePeer.from(attacker, node.port(), java.util.UUID.randomUUID().toString())) {
            String answer = stranger.handshake();
            assertTrue(answer.contains("\"cooling_off\""), answer);
        }
        idleFrom(node, attacker);
        await(DEADLINE, () -> seen.count(Limit.COOLING_OFF) == 1, seen::toString);
        try (FakePeer neighbour = new FakePeer(node.port())) {
            assertTrue(neighbour.handshake().contains("\"hello\""), "127.0.0.1 is not punished for 127.0.0.2");
        }
        clock.advance(Duration.ofSeconds(30)); // the returning node's handshake was 90 s ago: no longer recent
        try (FakePeer back = FakePeer.from(attacker, node.port(), returning)) {
            assertTrue(back.handshake().contains("\"cooling_off\""), "90 s ago is not recent (ban-duration 60 s)");
        }
        idleFrom(node, attacker);
        String recent = java.util.UUID.randomUUID().toString();
        try (FakePeer peer = new FakePeer(node.port(), recent)) {
            assertTrue(peer.handshake().contains("\"hello\""));
            await(DEADLINE, () -> node.peerCount() == 2, () -> "peers " + node.peerCount());
        }
        await(DEADLINE, () -> node.peerCount() == 1, () -> "it left");
        try (FakePeer moved = FakePeer.from(attacker, node.port(), recent)) {
            assertTrue(moved.handshake().contains("\"hello\""), "a recent peer is admitted from a refused address");
            await(DEADLINE, () -> node.peerCount() == 2, () -> "peers " + node.peerCount());
        }
        await(DEADLINE, () -> node.peerCount() == 1, () -> "it left");
        idleFrom(node, attacker);
        clock.advance(Duration.ofMinutes(1));
        try (FakePeer later = FakePeer.from(attacker, node.port(), java.util.UUID.randomUUID().toString())) {
            assertTrue(later.handshake().contains("\"hello\""), "served again after ban-duration");
        }
        await(DEADLINE, () -> node.peerCount() == 1, () -> "the legitimate peer stayed");
    }

    /** Waits until no connection from {@code ip} is in its handshake (a refused one is closed by the node). */
    private static void idleFrom(PeerNode node, String ip) {
        await(DEADLINE, () -> node.handshakingFrom(ip) == 0, () -> "handshaking from " + ip);
    }

    @Test
    void aRefusedAddressGetsOneConnectionAtATime() throws Exception {
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false)
                .limits(LimitsConfig.DEFAULTS.withInbound(4096, 4096).withBanDuration(Duration.ofMinutes(1))).build(),
                NodeClock.SYSTEM, seen);
        for (int i = 1; i <= 3; i++) {
            try (FakePeer rude = FakePeer.from("127.0.0.3", node.port(), "x")) {
                rude.send("garbage");
                assertTrue(rude.closedByNode());
            }
            int offences = i;
            await(DEADLINE, () -> seen.count(io.peermesh.wire.ProtocolError.INVALID_JSON) == offences, seen::toString);
        }
        idleFrom(node, "127.0.0.3");
        try (FakePeer probation = FakePeer.from("127.0.0.3", node.port(), "y")) {
            await(DEADLINE, () -> node.handshakingFrom("127.0.0.3") == 1, () -> "on probation");
            try (FakePeer second = FakePeer.from("127.0.0.3", node.port(), "z")) {
                assertTrue(second.closedByNode(), "a second connection of a refused address is closed at once");
            }
            await(DEADLINE, () -> seen.count(Limit.COOLING_OFF) == 1, seen::toString);
        }
    }
}
