package io.peermesh.discovery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.Eventually;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DNS discovery end to end against a real DNS server: nodes on their own loopback addresses
 * (127.0.0.2...), one port, found through one short name resolved with a search domain, while
 * records are added and removed and the server finally goes away.
 */
class DnsmasqDiscoveryTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String NAME = "peers.mesh.test";

    private final Vertx vertx = Vertx.vertx();
    private final List<PeerNode> started = new ArrayList<>();
    private Dnsmasq dns;

    @AfterEach
    void cleanUp() throws Exception {
        List<Future<Void>> closing = new ArrayList<>();
        started.forEach(n -> closing.add(n.close()));
        Eventually.get(Future.join(closing).transform(ar -> vertx.close()));
        if (dns != null) {
            dns.close();
        }
    }

    private PeerNode node(String ip, int port, Path resolvConf, NodeObserver observer) {
        DiscoveryConfig discovery = DiscoveryConfig.DEFAULTS
                .withDns("peers") // a short name: only the search domain makes it peers.mesh.test
                .withDnsServers(List.of(new HostPort("127.0.0.1", dns.port)))
                .withDnsInterval(Duration.ofMillis(300))
                .withDnsTimeout(Duration.ofMillis(500));
        discovery = new DiscoveryConfig(discovery.dns(), discovery.dnsInterval(), discovery.dnsServers(),
                resolvConf.toString(), discovery.dnsTimeout(), discovery.getaddrInterval(), discovery.addrRate(),
                discovery.addrBurst());
        NodeConfig config = NodeConfig.builder().host(ip).port(port)
                .pingInterval(Duration.ofMillis(250)).pingTimeout(Duration.ofSeconds(3))
                .dialBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).discovery(discovery).build();
        PeerNode n = Eventually.get(PeerNode.deploy(vertx, config, NodeClock.SYSTEM, observer));
        started.add(n);
        return n;
    }

    @Test
    void nodesFindEachOtherThroughOneNameAndFollowRecordChangesAndOutages() throws Exception {
        dns = Dnsmasq.start();
        Path resolvConf = Files.createTempFile("resolv", ".conf");
        Files.writeString(resolvConf, "search mesh.test\noptions ndots:1\nnameserver 127.0.0.1\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }

        // No records yet: the first node says DNS is empty, not failing.
        dns.records(NAME, List.of());
        List<PeerNode> mesh = new ArrayList<>();
        mesh.add(node("127.0.0.2", port, resolvConf, NodeObserver.NONE));
        Eventually.await(DEADLINE, () -> String.valueOf(mesh.get(0).readiness().reason()).startsWith("DNS empty"),
                () -> "readiness " + mesh.get(0).readiness());

        // Five pods listed: a full mesh.
        long start = System.nanoTime();
        dns.records(NAME, List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"));
        for (int i = 3; i <= 6; i++) {
            mesh.add(node("127.0.0." + i, port, resolvConf, NodeObserver.NONE));
        }
        Eventually.await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() == 4), () -> counts(mesh));
        System.out.printf("5 nodes through dnsmasq: full mesh %d ms after the records were published%n",
                (System.nanoTime() - start) / 1_000_000);
        assertTrue(mesh.get(0).readiness().ready());
        // The mesh may form through the others' dials before node 0's next lookup: wait for it.
        Eventually.await(DEADLINE, () -> mesh.get(0).readiness().dns().startsWith("ok: peers.mesh.test"),
                () -> mesh.get(0).readiness().dns());

        // A pod deleted: record removed, node gone. Nobody re-dials it.
        PeerNode gone = mesh.remove(4);
        dns.records(NAME, List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"));
        Eventually.get(gone.close());
        started.remove(gone);
        Eventually.await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() == 3), () -> counts(mesh));
        String goneAddress = "127.0.0.6:" + port;
        Eventually.await(DEADLINE, () -> mesh.stream().allMatch(n -> Eventually.get(n.targets()).stream()
                .noneMatch(t -> t.address().equals(goneAddress))), () -> "127.0.0.6 still a dial target");

        // A pod added: its record appears and it joins.
        dns.records(NAME, List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.7"));
        mesh.add(node("127.0.0.7", port, resolvConf, NodeObserver.NONE));
        Eventually.await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() == 4), () -> counts(mesh));

        // The DNS server stops: readiness data says DNS is failing, and every peer stays.
        dns.stop();
        Eventually.await(DEADLINE, () -> mesh.stream().allMatch(n -> n.readiness().dns().startsWith("failed")),
                () -> "dns states " + mesh.stream().map(n -> n.readiness().dns()).toList());
        assertTrue(mesh.stream().allMatch(n -> n.peerCount() == 4 && n.readiness().ready()), counts(mesh));
    }

    private static String counts(List<PeerNode> mesh) {
        return "peer counts " + mesh.stream().map(n -> n.advertised() + "=" + n.peerCount()).toList();
    }
}
