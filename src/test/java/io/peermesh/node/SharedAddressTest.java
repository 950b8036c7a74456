package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.vertx.PeerNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several nodes share one source address (127.0.0.1, as behind a sidecar, NAT, or several nodes
 * per host) with a hostile client, under the default penalties (ban-duration 60 s, 3 offences):
 * the stranger's garbage and floods cost it its own connections only (issue 10).
 */
class SharedAddressTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private final TestNodes nodes = new TestNodes();
    private final CountingObserver seen = new CountingObserver();
    private Vertx pausable;

    @AfterEach
    void closeAll() {
        nodes.close();
        if (pausable != null) {
            Eventually.get(pausable.close());
        }
    }

    /** fast() timings, but the production penalties: nothing lifted for loopback. */
    private static NodeConfig.Builder withDefaultPenalties() {
        return TestNodes.fast().limits(LimitsConfig.DEFAULTS);
    }

    private static Map<String, String> connectedSince(PeerNode node) {
        return Eventually.get(node.peers()).stream().collect(Collectors.toMap(PeerView::nodeid, PeerView::connectedSince));
    }

    @Test
    void aStrangerOnTheSharedAddressNeverLocksOutThePeersBehindIt() throws Exception {
        PeerNode a = nodes.start(withDefaultPenalties().build(), NodeClock.SYSTEM, seen);
        // B runs on a Vert.x of its own with one event loop, so the test can stall it (a SIGSTOP in miniature).
        pausable = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(60_000).setMaxEventLoopExecuteTime(60).setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));
        PeerNode b = Eventually.get(PeerNode.deploy(pausable, withDefaultPenalties().bootstrap(List.of(a.advertised())).build(),
                NodeClock.SYSTEM, NodeObserver.NONE));
        PeerNode c = nodes.start(withDefaultPenalties().bootstrap(List.of(a.advertised())).build());
        await(DEADLINE, () -> a.peerCount() == 2 && b.peerCount() >= 1 && c.peerCount() >= 1, () -> "peers " + a.peerCount());
        Map<String, String> before = connectedSince(a);

        for (int i = 0; i < 10; i++) { // garbage, again and again, from the peers' own address
            try (FakePeer rude = new FakePeer(a.port())) {
                rude.send("garbage " + i);
                assertTrue(rude.closedByNode());
            }
        }
        String flooderId;
        try (FakePeer flooder = new FakePeer(a.port())) { // and a flood on a connection that said hello
            flooderId = flooder.nodeId;
            assertTrue(flooder.handshake().contains("\"hello\""));
            StringBuilder pings = new StringBuilder();
            for (int i = 0; i < 5000; i++) {
                pings.append("{\"msgtype\":\"ping\",\"nonce\":\"").append(i).append("\"}\n");
            }
            try {
                flooder.sendRaw(pings.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException closedUnderUs) {
                // expected once the node has closed it
            }
            assertTrue(flooder.closedByNode());
        }
        await(DEADLINE, () -> seen.count(Limit.MESSAGE_RATE) == 1, seen::toString);
        await(DEADLINE, () -> !connectedSince(a).containsKey(flooderId), () -> "the flooder is gone");
        await(DEADLINE, () -> seen.count(io.peermesh.wire.ProtocolError.INVALID_JSON) == 10, seen::toString);
        assertEquals(before, connectedSince(a), "the legitimate peers kept their connections");

        PeerNode d = nodes.start(withDefaultPenalties().bootstrap(List.of(a.advertised())).build());
        await(DEADLINE, () -> a.peerCount() == 3, () -> "a node joining meanwhile is admitted: " + seen);
        assertEquals(0, seen.count(Limit.COOLING_OFF), seen.toString());

        // B stalls for longer than A's ping timeout; A drops it; B resumes and must be back at once.
        CountDownLatch resume = new CountDownLatch(1);
        pausable.runOnContext(v -> {
            try {
                resume.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await(DEADLINE, () -> !connectedSince(a).containsKey(b.nodeId()), () -> "A drops the stalled B");
        long resumedAt = System.nanoTime();
        resume.countDown();
        // B's re-dial back-off is 20-200 ms here; the deadline only bounds a loaded machine.
        await(DEADLINE, () -> connectedSince(a).containsKey(b.nodeId()) && b.peerCount() >= 1, () -> "B back: " + seen);
        long backMillis = (System.nanoTime() - resumedAt) / 1_000_000;
        System.out.println("SharedAddressTest: the paused peer was back in the peer table " + backMillis + " ms after it resumed");
        assertEquals(0, seen.count(Limit.COOLING_OFF), seen.toString());
        assertTrue(connectedSince(a).keySet().containsAll(List.of(c.nodeId(), d.nodeId())));
    }
    /**
     * A mesh that has been stable for longer than ban-duration: no handshake from the shared address
     * for a minute, only peers connected through it (sidecar.sh found this: the stranger's third
     * line of garbage had the address refused, and a restarted pod's hello got {@code cooling_off}).
     * An address peers are connected from is never refused, however old their handshakes.
     */
    @Test
    void anAddressPeersAreConnectedFromIsNeverRefusedHoweverOldTheirHandshakes() throws Exception {
        ManualClock clock = new ManualClock();
        PeerNode a = nodes.start(withDefaultPenalties().internalPingTimer(false).build(), clock, seen);
        try (FakePeer legit = new FakePeer(a.port())) {
            assertTrue(legit.handshake().contains("\"hello\""));
            await(DEADLINE, () -> a.peerCount() == 1, () -> "peers " + a.peerCount());
            clock.advance(LimitsConfig.DEFAULTS.banDuration().plusSeconds(1)); // its handshake is older than ban-duration now

            for (int i = 0; i < 2 * LimitsConfig.DEFAULTS.banOffences(); i++) {
                try (FakePeer rude = new FakePeer(a.port())) {
                    rude.send("garbage " + i);
                    assertTrue(rude.closedByNode());
                }
            }
            await(DEADLINE, () -> seen.count(io.peermesh.wire.ProtocolError.INVALID_JSON) == 6, seen::toString);
            try (FakePeer newcomer = new FakePeer(a.port())) { // e.g. a pod restarted with a new node id
                String answer = newcomer.handshake();
                assertTrue(answer != null && answer.contains("\"hello\""), "a newcomer is admitted: " + answer);
            }
            assertEquals(0, seen.count(Limit.COOLING_OFF), seen.toString());
            assertTrue(connectedSince(a).containsKey(legit.nodeId), "the connected peer is untouched");
        }
    }
}
