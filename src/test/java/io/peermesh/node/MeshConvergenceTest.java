package io.peermesh.node;

import io.peermesh.node.view.PeerView;
import io.peermesh.vertx.PeerNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many nodes in one JVM find each other through one seed, or a chain, by peer exchange. */
class MeshConvergenceTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void closeAll() {
        nodes.close();
    }

    private static boolean fullMesh(List<PeerNode> mesh) {
        return mesh.stream().allMatch(n -> n.peerCount() == mesh.size() - 1);
    }

    private static String counts(List<PeerNode> mesh) {
        return mesh.stream().map(n -> String.valueOf(n.peerCount())).collect(Collectors.joining(","));
    }

    @Test
    void thirtyNodesFromOneSeedFormAFullMeshSurviveFiveLossesAndHealAfterRestarts() {
        PeerNode seed = nodes.start(TestNodes.fast().build());
        List<PeerNode> mesh = new ArrayList<>(List.of(seed));
        long start = System.nanoTime();
        for (int i = 1; i < 30; i++) {
            mesh.add(nodes.start(TestNodes.fast().bootstrap(List.of(seed.advertised())).build()));
        }
        await(DEADLINE, () -> fullMesh(mesh), () -> "peer counts " + counts(mesh));
        System.out.printf("30 nodes from one seed: full mesh %d ms after the first start%n",
                (System.nanoTime() - start) / 1_000_000);
        for (PeerNode n : mesh) {
            Set<String> expected = mesh.stream().filter(m -> m != n).map(PeerNode::nodeId).collect(Collectors.toSet());
            assertEquals(expected, get(n.peers()).stream().map(PeerView::nodeid).collect(Collectors.toSet()));
        }

        List<PeerNode> killed = new ArrayList<>(mesh.subList(25, 30));
        killed.forEach(nodes::stop);
        mesh.removeAll(killed);
        await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() == 24), () -> "after 5 stopped " + counts(mesh));

        for (PeerNode gone : killed) {
            // Back on new ports with new identities, bootstrapped to the seed only.
            mesh.add(nodes.start(TestNodes.fast().bootstrap(List.of(seed.advertised())).build()));
        }
        await(DEADLINE, () -> fullMesh(mesh), () -> "after restarts " + counts(mesh));
    }

    @Test
    void aChainWhereEachNodeKnowsOnlyItsPredecessorBecomesAFullMesh() {
        List<PeerNode> chain = new ArrayList<>();
        chain.add(nodes.start(TestNodes.fast().build()));
        for (int i = 1; i < 12; i++) {
            chain.add(nodes.start(TestNodes.fast().bootstrap(List.of(chain.get(i - 1).advertised())).build()));
        }
        await(DEADLINE, () -> fullMesh(chain), () -> "peer counts " + counts(chain));
    }

    @Test
    void fortyNodesWithMaxPeersEightStayWithinBoundsAndConnected() {
        CountingObserver seedSeen = new CountingObserver();
        PeerNode seed = nodes.start(TestNodes.fast().maxPeers(8).build(), NodeClock.SYSTEM, seedSeen);
        List<PeerNode> mesh = new ArrayList<>(List.of(seed));
        for (int i = 1; i < 40; i++) {
            mesh.add(nodes.start(TestNodes.fast().maxPeers(8).bootstrap(List.of(seed.advertised())).build()));
        }
        await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() >= 1) && connected(mesh),
                () -> "peer counts " + counts(mesh));
        // Keep checking the bounds while gossip and re-dials go on for ten more ping rounds of the seed.
        int pingsBefore = seedSeen.count("sent:PING");
        List<String> violations = new ArrayList<>();
        await(DEADLINE, () -> {
            for (PeerNode n : mesh) {
                if (n.peerCount() > 8 && violations.size() < 3) {
                    violations.add(n.nodeId() + " has " + get(n.peers()).stream()
                            .map(p -> p.nodeid().substring(0, 8) + "/" + p.direction() + "/" + p.remoteAddress()).toList());
                }
            }
            return seedSeen.count("sent:PING") >= pingsBefore + 10 * seed.peerCount();
        }, () -> "seed stopped pinging");
        assertTrue(violations.isEmpty(), "more than 8 peers: " + violations);
        // Awaited, not read once: evictions and re-dials go on, and the tables are read one node after
        // another while they change, so one reading can show a node between two peers, or a split no
        // instant ever had (it failed so once under load). What must hold is that it is connected again.
        await(DEADLINE, () -> mesh.stream().allMatch(n -> n.peerCount() >= 1) && connected(mesh),
                () -> "graph connected, every node with a peer: " + counts(mesh));
    }

    /** Breadth-first search over the peer tables. */
    private static boolean connected(List<PeerNode> mesh) {
        Map<String, Set<String>> edges = new HashMap<>();
        for (PeerNode n : mesh) {
            edges.put(n.nodeId(), get(n.peers()).stream().map(PeerView::nodeid).collect(Collectors.toSet()));
        }
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(mesh.get(0).nodeId()));
        while (!todo.isEmpty()) {
            String id = todo.poll();
            if (seen.add(id)) {
                todo.addAll(edges.getOrDefault(id, Set.of()));
            }
        }
        return seen.size() == mesh.size();
    }
}
