package io.peermesh.node;

import io.peermesh.node.events.DialResult;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Peers that dial each other at once, leave, die, go silent or come back. */
class PeerLifecycleTest {

    private static final Duration DEADLINE = Duration.ofSeconds(15);
    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    /**
     * Expiry does not wait for the next ping round: here there is no next round at all (no internal
     * ping timer, nobody calls pingRound again), and the silent peer still goes once its ping times out.
     */
    @Test
    void aSilentPeerIsDroppedWhenItsPingTimesOutNotAtTheNextRound() throws Exception {
        CountingObserver seen = new CountingObserver();
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false).pingTimeout(Duration.ofMillis(500)).build(),
                NodeClock.SYSTEM, seen);
        try (FakePeer silent = new FakePeer(node.port())) {
            silent.handshake();
            silent.next("ping"); // the first ping, sent at the handshake; never answered
            await(DEADLINE, () -> node.peerCount() == 0, () -> "peers " + node.peerCount());
            assertEquals(1, seen.count("timeout"), seen::toString);
        }
    }

    @Test
    void simultaneousDialsLeaveExactlyOneConnectionPerPairOnBothSides() throws Exception {
        // Whether two dials cross depends on timing; repeat (bounded) until they did a few times.
        int crossed = 0;
        for (int round = 0; round < 40 && crossed < 3; round++) {
            int r = round;
            boolean didCross = nodes.dialEachOther("127.0.0.1", DEADLINE, p -> {
                // Both ends agree on which connection they kept ...
                assertEquals(p.aSeesB().direction().equals("outbound") ? "inbound" : "outbound", p.bSeesA().direction());
                // ... and when both dials got through, it is the one dialled by the smaller node id.
                if (p.crossed()) {
                    boolean aDialled = p.a().nodeId().compareTo(p.b().nodeId()) < 0;
                    assertEquals(aDialled ? "outbound" : "inbound", p.aSeesB().direction(), "round " + r);
                }
            });
            if (didCross) {
                crossed++;
            }
        }
        assertTrue(crossed > 0, "in 40 rounds the two dials never crossed; the tie-break went untested");
    }

    @Test
    void aClosedNodeIsDroppedAtOnceAndNotRedialledAfterBye() {
        CountingObserver seen = new CountingObserver();
        PeerNode b = nodes.start(TestNodes.fast().build());
        PeerNode a = nodes.start(TestNodes.fast().minPeers(0).bootstrap(List.of(b.advertised())).build(),
                NodeClock.SYSTEM, seen);
        await(DEADLINE, () -> a.peerCount() == 1, () -> "connect");
        nodes.stop(b);
        await(DEADLINE, () -> a.peerCount() == 0, () -> "b still listed");
        assertTrue(get(a.targets()).get(0).state().equals("departed"), get(a.targets()).toString());

        CountingObserver witness = new CountingObserver();
        nodes.start(TestNodes.fast().bootstrap(List.of(new HostPort("127.0.0.1", b.port()))).build(), NodeClock.SYSTEM, witness);
        await(DEADLINE, () -> witness.count(DialResult.REFUSED) >= 4, witness::toString);
        assertEquals(1, seen.count(DialResult.OK) + seen.count(DialResult.REFUSED), "a node that said bye is not re-dialled");
    }

    @Test
    void aRestartedNodeIsRedialledThroughBackoff() {
        PeerNode b = nodes.start(TestNodes.fast().build());
        int port = b.port();
        PeerNode a = nodes.start(TestNodes.fast().bootstrap(List.of(b.advertised())).build());
        await(DEADLINE, () -> a.peerCount() == 1, () -> "connect");
        nodes.stop(b);
        // a is below p2p.min-peers, so its bootstrap address is tried again, refused, with backoff.
        await(DEADLINE, () -> get(a.targets()).get(0).failures() >= 2, () -> "targets " + get(a.targets()));
        PeerNode b2 = nodes.start(TestNodes.fast().port(port).build());
        await(DEADLINE, () -> a.peerCount() == 1 && get(a.peers()).get(0).nodeid().equals(b2.nodeId()),
                () -> "a did not reconnect: " + get(a.targets()));
    }

    @Test
    void aPeerThatClosesItsSocketIsDroppedAtOnce() throws Exception {
        PeerNode a = nodes.start(TestNodes.fast().build());
        try (FakePeer fake = new FakePeer(a.port())) {
            fake.handshake();
            await(DEADLINE, () -> a.peerCount() == 1, () -> "handshake");
        }
        await(DEADLINE, () -> a.peerCount() == 0, () -> "closed peer still listed");
    }

    @Test
    void aRoundsPingIsFollowedOnItsPongByASecondWhoseRoundTripIsTheSample() throws Exception {
        ManualClock clock = new ManualClock();
        CountingObserver seen = new CountingObserver();
        PeerNode a = nodes.start(TestNodes.fast().internalPingTimer(false)
                .pingInterval(Duration.ofSeconds(2)).pingTimeout(Duration.ofSeconds(6)).build(), clock, seen);
        try (FakePeer peer = new FakePeer(a.port())) {
            peer.handshake();
            await(DEADLINE, () -> a.peerCount() == 1, () -> "handshake");
            for (int pair = 1; pair <= 2; pair++) {
                String lead = peer.next("ping"); // the handshake's ping, then the round's
                peer.send("{\"msgtype\":\"pong\",\"nonce\":\"" + nonceOf(lead) + "\"}");
                String followUp = peer.next("ping");
                assertNotEquals(nonceOf(lead), nonceOf(followUp));
                // The histogram counts every round trip (the lead's too); /peers takes the follow-up's.
                int afterLead = 2 * pair - 1; // counted right after the follow-up is written: wait for it
                await(DEADLINE, () -> seen.count("rtt") == afterLead, seen::toString);
                if (pair == 1) {
                    assertNull(get(a.peers()).get(0).lastRttMillis(), "the lead's round trip is not the link's sample");
                }
                peer.send("{\"msgtype\":\"pong\",\"nonce\":\"" + nonceOf(followUp) + "\"}");
                int expected = 2 * pair;
                await(DEADLINE, () -> seen.count("rtt") == expected, seen::toString);
                clock.advance(Duration.ofSeconds(2));
                a.pingRound();
            }
            assertEquals(1, a.peerCount());
            assertNotNull(get(a.peers()).get(0).lastRttMillis());
        }
    }

    private static String nonceOf(String ping) {
        return ping.replaceAll(".*\"nonce\":\"([0-9a-f]+)\".*", "$1");
    }

    @Test
    void aSilentPeerIsDroppedAfterThePingTimeoutAndAnAnsweringOneIsKept() throws Exception {
        ManualClock clock = new ManualClock();
        CountingObserver seen = new CountingObserver();
        // One ping a round: this peer answers each by hand (follow-ups have a test of their own).
        PeerNode a = nodes.start(TestNodes.fast().internalPingTimer(false).pingFollowUp(false)
                .pingInterval(Duration.ofSeconds(2)).pingTimeout(Duration.ofSeconds(6)).build(), clock, seen);
        try (FakePeer silent = new FakePeer(a.port()); FakePeer answering = new FakePeer(a.port())) {
            silent.handshake();
            answering.handshake();
            await(DEADLINE, () -> a.peerCount() == 2, () -> "handshakes");

            for (int round = 0; round < 3; round++) { // 3 rounds 2 s apart: 4 s < 6 s timeout
                a.pingRound();
                assertTrue(silent.next("ping").contains("\"ping\""));
                if (round == 0) {
                    answering.next("ping"); // the ping every peer gets on handshake, answered below with the next
                }
                String ping = answering.next("ping");
                String nonce = ping.replaceAll(".*\"nonce\":\"([0-9a-f]+)\".*", "$1");
                answering.send("{\"msgtype\":\"pong\",\"nonce\":\"" + nonce + "\"}");
                int expected = round + 1;
                await(DEADLINE, () -> seen.count("rtt") == expected, seen::toString);
                if (round < 2) {
                    clock.advance(Duration.ofSeconds(2));
                }
            }
            assertEquals(2, a.peerCount(), "4 s without a pong is within the 6 s timeout");
            clock.advance(Duration.ofSeconds(2)); // the silent peer's first ping is now 6 s old
            a.pingRound();
            await(DEADLINE, () -> a.peerCount() == 1, () -> "silent peer not dropped");
            assertEquals(1, seen.count("timeout"));
            assertTrue(silent.closedByNode(), "the node closed the silent peer's socket");
            assertEquals(answering.nodeId, get(a.peers()).get(0).nodeid());
        }
    }

    @Test
    void aChainOfNodesAllConnectToTheirBootstrap() {
        List<PeerNode> chain = new java.util.ArrayList<>();
        chain.add(nodes.start(TestNodes.fast().build()));
        IntStream.range(1, 5).forEach(i -> chain.add(nodes.start(TestNodes.fast()
                .bootstrap(List.of(chain.get(i - 1).advertised())).build())));
        await(DEADLINE, () -> chain.stream().allMatch(n -> n.readiness().ready()), () -> "not all ready");
    }
}
