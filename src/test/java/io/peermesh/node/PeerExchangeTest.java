package io.peermesh.node;

import io.peermesh.discovery.LookupResult;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.events.AddrDrop;
import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** addr validation and rate limits, identity per address, and DNS discovery behind a fake resolver. */
class PeerExchangeTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    private static String hello(String nodeId, String listen) {
        return "{\"msgtype\":\"hello\",\"nodeid\":\"" + nodeId + "\",\"listen\":\"" + listen + "\"}";
    }

    @Test
    void aNewNodeIdAnsweringAtAKnownAddressRetiresTheOldIdentityAtOnce() throws Exception {
        PeerNode a = nodes.start(TestNodes.fast().internalPingTimer(false).build());
        int port = PeerNodeTest.freePort();
        try (FakePeer old = new FakePeer(a.port())) {
            // The old identity, still connected (its socket open, no ping timed out), listening at
            // the address where a new node (the restarted pod) will answer.
            old.send(hello(old.nodeId, "127.0.0.1:" + port));
            old.next("hello");
            await(DEADLINE, () -> a.peerCount() == 1, () -> "old handshake");
            // The new node dials a, saying it listens there; a checks by dialling the address.
            PeerNode restarted = nodes.start(TestNodes.fast().internalPingTimer(false).port(port)
                    .bootstrap(List.of(a.advertised())).build());
            assertTrue(old.closedByNode(), "the old identity's connection was closed");
            await(DEADLINE, () -> a.peerCount() == 1 && get(a.peers()).get(0).nodeid().equals(restarted.nodeId()),
                    () -> "peers " + get(a.peers()));
        }
    }

    @Test
    void anInboundHelloClaimingAPeersAddressDoesNotDisconnectThatPeer() throws Exception {
        PeerNode a = nodes.start(TestNodes.fast().internalPingTimer(false).build());
        PeerNode b = nodes.start(TestNodes.fast().internalPingTimer(false).bootstrap(List.of(a.advertised())).build());
        await(DEADLINE, () -> a.peerCount() == 1, () -> "b joined");
        try (FakePeer liar = new FakePeer(a.port())) {
            liar.send(hello(liar.nodeId, b.advertised().toString()));
            liar.next("hello");
            await(DEADLINE, () -> a.peerCount() == 2, () -> "liar registered");
            assertTrue(get(a.peers()).stream().anyMatch(p -> p.nodeid().equals(b.nodeId())), "b kept");
        }
    }

    @Test
    void aHelloWithAConnectedPeersIdLongAfterItJoinedCannotReplaceIt() throws Exception {
        // Whatever the ids, a hello reusing b's id outside the crossing-dial window is refused.
        PeerNode a = nodes.start(TestNodes.fast().handshakeTimeout(Duration.ofMillis(200)).internalPingTimer(false).build());
        PeerNode b = nodes.start(TestNodes.fast().internalPingTimer(false).bootstrap(List.of(a.advertised())).build());
        await(DEADLINE, () -> a.peerCount() == 1, () -> "b joined");
        CountingObserver witness = new CountingObserver();
        nodes.start(TestNodes.fast().bootstrap(List.of(new HostPort("127.0.0.1", PeerNodeTest.freePort()))).build(),
                NodeClock.SYSTEM, witness);
        await(DEADLINE, () -> witness.count(DialResult.REFUSED) >= 3, witness::toString); // > 200 ms pass
        try (FakePeer spoof = new FakePeer(a.port())) {
            spoof.send(hello(b.nodeId(), "127.0.0.1:40009"));
            assertTrue(spoof.next("reject").contains("duplicate"));
        }
        assertEquals(b.nodeId(), get(a.peers()).get(0).nodeid());
        assertEquals(1, a.peerCount());
    }

    @Test
    void invalidAddrEntriesAreDroppedAndCountedAndExcessUnsolicitedOnesAreRateLimited() throws Exception {
        CountingObserver seen = new CountingObserver();
        // max-peers 1: the fake fills the only slot, so learned addresses are kept for later, not dialled.
        // The fake never answers pings: a ping timeout longer than the test keeps it in that slot (on a
        // loaded machine the node dropped it after 3 s, dialled the learned addresses and forgot some).
        PeerNode a = nodes.start(TestNodes.fast().internalPingTimer(false).maxPeers(1).pingTimeout(Duration.ofSeconds(120))
                .discovery(DiscoveryConfig.DEFAULTS.withAddrRate(0.001, 50)).build(), NodeClock.SYSTEM, seen);
        try (FakePeer fake = new FakePeer(a.port())) {
            fake.send(hello(fake.nodeId, "127.0.0.1:40002"));
            fake.next("getaddr");
            // The answer to the node's getaddr: exempt from the rate limit, but validated.
            fake.send("{\"msgtype\":\"addr\",\"peers\":[{\"nodeid\":\"not-a-uuid\",\"addr\":\"127.0.0.1:1\"},"
                    + "{\"nodeid\":\"" + UUID.randomUUID() + "\",\"addr\":\"no port\"},7,"
                    + "{\"nodeid\":\"" + UUID.randomUUID() + "\",\"addr\":\"127.0.0.1:40003\"}]}");
            await(DEADLINE, () -> seen.count(AddrDrop.INVALID) == 3, seen::toString);
            await(DEADLINE, () -> a.knownAddresses() == 1, () -> "known " + a.knownAddresses());

            // Unsolicited: 200 entries against a bucket of 50.
            StringBuilder addr = new StringBuilder("{\"msgtype\":\"addr\",\"peers\":[");
            for (int i = 0; i < 200; i++) {
                addr.append(i == 0 ? "" : ",").append("{\"nodeid\":\"").append(UUID.randomUUID())
                        .append("\",\"addr\":\"127.0.0.1:").append(41000 + i).append("\"}");
            }
            fake.send(addr.append("]}").toString());
            await(DEADLINE, () -> seen.count(AddrDrop.RATE_LIMITED) == 150, seen::toString);
            await(DEADLINE, () -> a.knownAddresses() == 51, () -> "known " + a.knownAddresses());
            assertEquals(1, a.peerCount(), "the sender stays connected: excess is dropped, not punished");
        }
    }

    @Test
    void aGetaddrIsAnsweredWithListeningAddressesOfLivePeersOnly() throws Exception {
        PeerNode a = nodes.start(TestNodes.fast().build());
        PeerNode b = nodes.start(TestNodes.fast().bootstrap(List.of(a.advertised())).build());
        await(DEADLINE, () -> a.peerCount() == 1, () -> "b joined");
        try (FakePeer fake = new FakePeer(a.port())) {
            fake.send(hello(fake.nodeId, "127.0.0.1:40004"));
            fake.next("hello");
            fake.send("{\"msgtype\":\"getaddr\"}");
            String answer = fake.next("addr");
            while (!answer.contains(b.nodeId())) { // an announcement may come first; the answer lists b
                answer = fake.next("addr");
            }
            assertTrue(answer.contains("\"addr\":\"" + b.advertised() + "\""), answer);
            assertFalse(answer.contains(fake.nodeId), "the asker is not told about itself: " + answer);
        }
    }

    @Test
    void dnsDiscoveryDialsWhatTheNameListsAndKeepsPeersWhenDnsFails() {
        FakeResolver dns = new FakeResolver();
        DiscoveryConfig byDns = DiscoveryConfig.DEFAULTS.withDns("peermesh-peers").withDnsInterval(Duration.ofMillis(100));
        List<PeerNode> mesh = new ArrayList<>();
        List<HostPort> listed = new ArrayList<>();
        List<CountingObserver> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            CountingObserver o = new CountingObserver();
            seen.add(o);
            PeerNode n = get(PeerNode.deploy(nodes.vertx, TestNodes.fast().discovery(byDns).build(), NodeClock.SYSTEM, o, dns));
            mesh.add(n);
            listed.add(n.advertised());
        }
        await(DEADLINE, () -> mesh.stream().allMatch(n -> n.readiness().reason() != null
                && n.readiness().reason().startsWith("DNS empty")), () -> "readiness " + mesh.get(0).readiness());

        dns.answer.set(LookupResult.ok(listed, "5 addresses"));
        await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() == 4), () -> "not a full mesh");

        dns.answer.set(LookupResult.failed("no answer from DNS server 10.96.0.10:53"));
        await(DEADLINE, () -> seen.get(0).count("lookup:FAILED") >= 3, () -> seen.get(0).toString());
        assertTrue(mesh.stream().allMatch(n -> n.peerCount() == 4), "a failing DNS drops no peer");
        assertTrue(mesh.get(0).readiness().dns().startsWith("failed: no answer"), mesh.get(0).readiness().dns());

        // A record removed and its node gone: not re-dialled.
        PeerNode gone = mesh.remove(4);
        dns.answer.set(LookupResult.ok(listed.subList(0, 4), "4 addresses"));
        nodes.stop(gone);
        await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() == 3), () -> "gone node still listed");
        await(DEADLINE, () -> get(mesh.get(0).targets()).stream().noneMatch(t -> t.address().equals(gone.advertised().toString())),
                () -> "targets " + get(mesh.get(0).targets()));

        // Only itself: a lone node says so, and logs the likely fix once.
        List<String> advice = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) {
                if (String.valueOf(r.getMessage()).contains("publishNotReadyAddresses")) {
                    advice.add(r.getMessage());
                }
            }
            @Override public void flush() { }
            @Override public void close() { }
        };
        java.util.logging.Logger.getLogger(DnsOutcome.class.getName()).addHandler(capture);
        try {
            FakeResolver selfOnly = new FakeResolver();
            PeerNode alone = get(PeerNode.deploy(nodes.vertx, TestNodes.fast().discovery(byDns).build(), NodeClock.SYSTEM,
                    NodeObserver.NONE, selfOnly));
            selfOnly.answer.set(LookupResult.ok(List.of(alone.advertised()), "1 address"));
            await(DEADLINE, () -> String.valueOf(alone.readiness().reason()).startsWith("only itself found"),
                    () -> "readiness " + alone.readiness());
            int lookupsBefore = selfOnly.lookups.get();
            await(DEADLINE, () -> selfOnly.lookups.get() >= lookupsBefore + 2 * DnsOutcome.ALONE_LOOKUPS_BEFORE_ADVICE,
                    () -> "lookups " + selfOnly.lookups.get());
            assertEquals(1, advice.size(), "the advice is logged once: " + advice);
            get(alone.close());
            assertTrue(selfOnly.closed, "the resolver is closed with the node");
        } finally {
            java.util.logging.Logger.getLogger(DnsOutcome.class.getName()).removeHandler(capture);
        }
    }
}
