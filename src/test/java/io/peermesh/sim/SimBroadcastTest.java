package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.broadcast.Delivery;
import io.peermesh.broadcast.PublishResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Broadcast in virtual time: every live member delivers every message exactly once, in each
 * origin's order, over a full mesh, over a partial one (max-peers below the cluster size), and
 * while links fail and nodes crash.
 */
@ExtendWith(QuietLogs.class)
class SimBroadcastTest {

    /** What one node delivered, per origin in order. */
    static final class Inbox {
        final Map<String, List<Long>> byOrigin = new HashMap<>();
        final List<Delivery> all = new ArrayList<>();

        void take(Delivery d) {
            all.add(d);
            byOrigin.computeIfAbsent(d.origin(), k -> new ArrayList<>()).add(d.seq());
        }
    }

    private static Map<SimNode, Inbox> listen(SimCluster c) {
        Map<SimNode, Inbox> inboxes = new HashMap<>();
        for (SimNode n : c.running()) {
            Inbox in = new Inbox();
            n.node().broadcasts().subscribe(in::take);
            inboxes.put(n, in);
        }
        return inboxes;
    }

    private static void publishRounds(SimCluster c, List<SimNode> publishers, int rounds) {
        for (int r = 0; r < rounds; r++) {
            for (SimNode p : publishers) {
                if (p.running()) {
                    PublishResult res = p.node().broadcasts().publish("test", "{\"round\":" + r + "}");
                    assertInstanceOf(PublishResult.Published.class, res, res.toString());
                }
            }
            c.sim().runFor(Duration.ofMillis(37)); // rounds overlap in flight
        }
    }

    private static void assertExactlyOnceInOrder(Map<SimNode, Inbox> inboxes, List<SimNode> publishers, int rounds,
                                                 String hint) {
        for (Map.Entry<SimNode, Inbox> e : inboxes.entrySet()) {
            if (!e.getKey().running()) {
                continue;
            }
            for (SimNode p : publishers) {
                List<Long> got = e.getValue().byOrigin.getOrDefault(p.nodeId(), List.of());
                List<Long> want = new ArrayList<>();
                for (long s = 1; s <= rounds; s++) {
                    want.add(s);
                }
                assertEquals(want, got, e.getKey() + " from " + p + "; " + hint);
            }
        }
    }

    @Test
    void everyMemberOfAFullMeshDeliversEveryMessageOnceInOrder() {
        for (long seed = 1; seed <= 5; seed++) {
            SimCluster c = new SimCluster(seed);
            c.startAll(12, Duration.ofSeconds(1), b -> b);
            assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60)));
            Map<SimNode, Inbox> inboxes = listen(c);
            List<SimNode> publishers = c.nodes().subList(0, 4);
            publishRounds(c, publishers, 25);
            c.sim().runFor(Duration.ofSeconds(3));
            assertExactlyOnceInOrder(inboxes, publishers, 25, c.sim().replayHint("full"));
            // Relayed copies exist and were all suppressed.
            assertEquals(12 * 4 * 25, inboxes.values().stream().mapToInt(i -> i.all.size()).sum());
        }
    }

    @Test
    void aPartialMeshStillDeliversToEveryone() {
        for (long seed = 1; seed <= 3; seed++) {
            SimCluster c = new SimCluster(seed);
            c.startAll(30, Duration.ofSeconds(1), b -> b.maxPeers(5));
            c.sim().runFor(Duration.ofSeconds(30));
            Map<SimNode, Inbox> inboxes = listen(c);
            List<SimNode> publishers = List.of(c.nodes().get(0), c.nodes().get(17));
            publishRounds(c, publishers, 10);
            c.sim().runFor(Duration.ofSeconds(3));
            assertExactlyOnceInOrder(inboxes, publishers, 10, c.sim().replayHint("partial"));
        }
    }

    @Test
    void whileLinksFailAndNodesCrashEverySurvivorStillGetsEachMessageAtMostOnceAndInOrder() {
        for (long seed = 1; seed <= 5; seed++) {
            SimCluster c = new SimCluster(seed);
            c.startAll(10, Duration.ofSeconds(1), b -> b);
            assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60)));
            Map<SimNode, Inbox> inboxes = listen(c);
            SimNode publisher = c.nodes().get(0);
            // Cut the publisher's direct links to half the nodes: they must get it relayed.
            for (int i = 5; i < 10; i++) {
                c.network().partition(publisher.ip(), c.nodes().get(i).ip());
            }
            c.nodes().get(2).crash();
            publishRounds(c, List.of(publisher), 20);
            c.sim().runFor(Duration.ofSeconds(3));
            for (Map.Entry<SimNode, Inbox> e : inboxes.entrySet()) {
                if (e.getKey().running()) {
                    List<Long> got = e.getValue().byOrigin.getOrDefault(publisher.nodeId(), List.of());
                    for (int i = 1; i < got.size(); i++) {
                        assertTrue(got.get(i) > got.get(i - 1), "in order, no duplicate: " + got);
                    }
                    assertEquals(20, got.size(), e.getKey() + " " + got + " " + c.sim().replayHint("faults"));
                }
            }
        }
    }
}
