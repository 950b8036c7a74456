package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.topology.LinkReport;
import io.peermesh.topology.LinkSummaries;
import io.peermesh.wire.LinkState;
import io.peermesh.wire.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Link summaries (issue #14) in virtual time: every node learns every other node's links, the rate
 * stays within its bounds, a crash shows in the others' summaries within seconds, a run replays
 * exactly from its seed, and stop cancels the timer.
 */
@ExtendWith(QuietLogs.class)
class SimLinkSummariesTest {

    private static final int NODES = 8;

    private static SimCluster mesh(long seed) {
        SimCluster c = new SimCluster(seed);
        c.startAll(NODES, Duration.ofSeconds(1), b -> b);
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60)), c.sim().replayHint("mesh"));
        return c;
    }

    private static LinkSummaries summaries(SimNode n) {
        return n.node().linkSummaries();
    }

    /** True when every running node holds, from every other running one, a summary listing all its peers up with an RTT. */
    private static boolean everyoneSeesEveryLink(SimCluster c) {
        List<SimNode> up = c.running();
        for (SimNode n : up) {
            for (SimNode other : up) {
                if (other == n) {
                    continue;
                }
                LinkReport r = summaries(n).snapshot().reported().get(other.nodeId());
                if (r == null || r.links().stream().filter(e -> e.state() == LinkState.UP && e.rttMillis() != null).count()
                        != up.size() - 1) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void everyNodeLearnsTheLinksOfEveryOtherWithinOneInterval() {
        for (long seed = 1; seed <= 3; seed++) {
            SimCluster c = mesh(seed);
            // RTTs exist after the first pong; the next summary (a change: RTT appeared) carries them.
            assertTrue(c.sim().runUntil(() -> everyoneSeesEveryLink(c), Duration.ofSeconds(8)), c.sim().replayHint("links"));
            for (SimNode n : c.running()) {
                LinkReport own = summaries(n).snapshot().own();
                assertNotNull(own, n.toString());
                for (Message.LinkEntry e : own.links()) {
                    assertEquals(LinkState.UP, e.state(), "a full mesh has no missing link: " + own);
                    assertNotNull(e.loss(), e.toString());
                    assertTrue(e.loss() >= 0 && e.loss() <= 1, e.toString());
                }
            }
        }
    }

    @Test
    void atMostOneSummaryASecondAndAtLeastOnePerInterval() {
        SimCluster c = mesh(4);
        c.sim().runFor(Duration.ofSeconds(10));
        List<Long> before = new ArrayList<>();
        for (SimNode n : c.running()) {
            before.add(summaries(n).sent());
        }
        c.sim().runFor(Duration.ofSeconds(60));
        for (int i = 0; i < c.running().size(); i++) {
            long sent = summaries(c.running().get(i)).sent() - before.get(i);
            // The tick is 1 s; without a change the interval (5 s) sends one: 12 in 60 s.
            assertTrue(sent >= 11 && sent <= 61, "sent " + sent + " in 60 s; " + c.sim().replayHint("rate"));
            // Each went to the 7 peers: received = what the others sent to this one, bounded the same way.
            assertTrue(summaries(c.running().get(i)).received() <= (NODES - 1) * 61L * 2, c.sim().replayHint("rate"));
        }
    }

    @Test
    void aCrashedNodeIsNoLongerReportedUpWithinAFewSeconds() {
        SimCluster c = mesh(5);
        assertTrue(c.sim().runUntil(() -> everyoneSeesEveryLink(c), Duration.ofSeconds(8)));
        SimNode victim = c.nodes().get(3);
        victim.crash();
        // A crash closes the TCP connections (the simulator's crash: RST); the link goes at once,
        // the next tick (1 s) reports the change to every survivor.
        boolean gone = c.sim().runUntil(() -> c.running().stream().allMatch(n -> c.running().stream()
                .filter(o -> o != n)
                .map(o -> summaries(n).snapshot().reported().get(o.nodeId()))
                .allMatch(r -> r != null && r.links().stream()
                        .noneMatch(e -> victim.nodeId().equals(e.nodeId()) && e.state() == LinkState.UP))),
                Duration.ofSeconds(12));
        assertTrue(gone, c.sim().replayHint("crash"));
    }

    @Test
    void aRunReplaysExactlyFromItsSeed() {
        long[] sent = new long[2];
        long[] trace = new long[2];
        for (int run = 0; run < 2; run++) {
            SimCluster c = mesh(7);
            c.sim().runFor(Duration.ofSeconds(20));
            sent[run] = c.running().stream().mapToLong(n -> summaries(n).sent()).sum();
            trace[run] = c.sim().traceHash();
        }
        assertEquals(sent[0], sent[1]);
        assertEquals(trace[0], trace[1]);
    }

    @Test
    void stopCancelsTheSummaryTimer() {
        SimCluster c = mesh(8);
        SimNode n = c.nodes().get(0);
        assertTrue(summaries(n).running());
        n.stop();
        c.sim().runFor(Duration.ofSeconds(2));
        assertFalse(summaries(n).running());
    }
}
