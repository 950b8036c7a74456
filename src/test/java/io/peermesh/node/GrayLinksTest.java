package io.peermesh.node;

import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.events.LinkProblem;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gray links (issue 10): an address that accepts TCP but never answers the hello, and a peer that
 * reaches this node while this node cannot reach it, are named in {@code /node/targets}, in
 * readiness (even when ready) and in a counted reason; both marks clear when the link heals.
 */
class GrayLinksTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private final TestNodes nodes = new TestNodes();
    private final CountingObserver seen = new CountingObserver();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    private static TargetStatus target(PeerNode node, HostPort address) {
        return Eventually.get(node.targets()).stream().filter(t -> t.address().equals(address.toString())).findFirst()
                .orElse(null);
    }

    private static String link(PeerNode node, HostPort address) {
        TargetStatus t = target(node, address);
        return t == null ? null : t.link();
    }

    @Test
    void anAddressThatAcceptsButNeverAnswersTheHelloIsNamedThenClearedWhenItStopsAccepting() throws Exception {
        PeerNode peer = nodes.start(TestNodes.fast().build());
        // A listening socket nobody accepts from: the kernel still completes the connects (a hung process).
        ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        HostPort hungAt = new HostPort("127.0.0.1", hung.getLocalPort());
        PeerNode node = nodes.start(TestNodes.fast().bootstrap(List.of(peer.advertised(), hungAt)).build(),
                NodeClock.SYSTEM, seen);
        await(DEADLINE, () -> "no_hello".equals(link(node, hungAt)), () -> "targets " + Eventually.get(node.targets()));
        assertTrue(target(node, hungAt).problem().startsWith("accepts connections but never answers the hello"),
                target(node, hungAt).problem());
        await(DEADLINE, () -> node.readiness().ready() && node.readiness().links().size() == 1,
                () -> "readiness " + node.readiness());
        assertTrue(node.readiness().links().get(0).contains(hungAt.toString()), node.readiness().toString());
        assertTrue(seen.count(LinkProblem.NO_HELLO) >= 1);
        assertEquals(1, node.linkProblems(LinkProblem.NO_HELLO));

        hung.close(); // now plainly down: refused, not gray
        await(DEADLINE, () -> link(node, hungAt) == null && node.readiness().links().isEmpty(),
                () -> "targets " + Eventually.get(node.targets()) + ", readiness " + node.readiness());
        assertEquals(0, node.linkProblems(LinkProblem.NO_HELLO));
    }

    @Test
    void aGrayAddressThatDnsStopsListingIsForgottenEvenWhileADialIsInItsHandshake() throws Exception {
        // src/test/sim/sidecar.sh: a listener that accepts and never answers, then dropped from the
        // headless Service. A dial spends handshake-timeout of every round in its handshake there, so
        // DNS often withdraws the address mid-dial; the failed dial must not keep it, re-dialled forever.
        FakeResolver dns = new FakeResolver();
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HostPort hungAt = new HostPort("127.0.0.1", hung.getLocalPort());
            PeerNode node = Eventually.get(PeerNode.deploy(nodes.vertx, TestNodes.fast()
                    .discovery(DiscoveryConfig.DEFAULTS.withDns("peermesh-peers").withDnsInterval(Duration.ofMillis(100)))
                    .build(), NodeClock.SYSTEM, seen, dns));
            dns.answer.set(io.peermesh.discovery.LookupResult.ok(List.of(hungAt), "1 address"));
            await(DEADLINE, () -> "no_hello".equals(link(node, hungAt)), () -> "targets " + Eventually.get(node.targets()));
            await(DEADLINE, () -> target(node, hungAt) != null && "handshaking".equals(target(node, hungAt).state()),
                    () -> "targets " + Eventually.get(node.targets()));
            dns.answer.set(io.peermesh.discovery.LookupResult.ok(List.of(), "0 addresses"));
            await(DEADLINE, () -> target(node, hungAt) == null,
                    () -> "still dialled with nobody vouching for it: " + target(node, hungAt));
            assertEquals(0, node.linkProblems(LinkProblem.NO_HELLO));
            assertTrue(node.readiness().links().isEmpty(), node.readiness().toString());
            Eventually.get(node.close());
        }
    }

    @Test
    void aPeerThatDialsInWhileOurDialsToItFailIsReachableOneWayUntilTheLinkHeals() throws Exception {
        // A listens on its own port but advertises one where nothing listens yet: B cannot dial it there.
        int unreachable = PeerNodeTest.freePort();
        HostPort aAt = new HostPort("127.0.0.1", unreachable);
        PeerNode b = nodes.start(TestNodes.fast().bootstrap(List.of(aAt)).build(), NodeClock.SYSTEM, seen);
        await(DEADLINE, () -> target(b, aAt) != null && target(b, aAt).failures() >= 1, () -> "B's dial to A failed");
        PeerNode a = nodes.start(TestNodes.fast().advertise(aAt).bootstrap(List.of(b.advertised())).build());
        await(DEADLINE, () -> "one_way".equals(link(b, aAt)), () -> "targets " + Eventually.get(b.targets()));
        TargetStatus t = target(b, aAt);
        assertEquals("connected", t.state());
        assertEquals(a.nodeId(), t.nodeId());
        assertTrue(t.problem().startsWith("reachable one way only: node " + a.nodeId()), t.problem());
        assertTrue(b.readiness().ready(), "a one-way peer is still a peer");
        assertTrue(b.readiness().links().get(0).startsWith("reachable one way only"), b.readiness().toString());
        assertEquals(1, seen.count(LinkProblem.ONE_WAY));
        assertEquals(1, b.linkProblems(LinkProblem.ONE_WAY));

        try (ServerSocket healed = new ServerSocket(unreachable, 50, InetAddress.getLoopbackAddress())) {
            // Something answers at A's address now: B's next probe connects, and the mark goes.
            await(DEADLINE, () -> link(b, aAt) == null && b.readiness().links().isEmpty(),
                    () -> "targets " + Eventually.get(b.targets()));
            assertEquals(0, b.linkProblems(LinkProblem.ONE_WAY));
            assertEquals(1, b.peerCount(), "the peer stayed connected throughout");
        }
    }
}
