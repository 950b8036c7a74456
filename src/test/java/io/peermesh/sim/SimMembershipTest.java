package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.members.Member;
import io.peermesh.members.MemberEvent;
import io.peermesh.members.MemberEventKind;
import io.peermesh.members.MemberEvents;
import io.peermesh.wire.Metadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Member records and their events, in virtual time: every node lists every live one, a crash is
 * suspect then dead, a graceful stop is left at once, a stall shorter than the ping timeout goes
 * unnoticed and a longer one is refuted on return; and a client applying the snapshot and then
 * the events (also across a resume with its last event id) ends with exactly the node's list.
 */
@ExtendWith(QuietLogs.class)
class SimMembershipTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(6); // the default ping timeout

    /** A client of one node's events: the snapshot, then each change applied to it. */
    static final class Client implements MemberEvents.Listener {
        final Map<String, Member> view = new LinkedHashMap<>();
        final List<MemberEvent> events = new ArrayList<>();
        String lastId;

        void catchup(MemberEvents.Catchup c) {
            if (c.snapshot() != null) {
                view.clear();
                c.snapshot().forEach(m -> view.put(m.nodeid(), m));
                lastId = c.lastId();
            } else {
                c.missed().forEach(this::onEvent);
            }
        }

        @Override
        public void onEvent(MemberEvent e) {
            events.add(e);
            view.put(e.member().nodeid(), e.member());
            lastId = e.id();
        }

        Map<String, String> states() {
            return view.values().stream().collect(Collectors.toMap(Member::nodeid, Member::state));
        }
    }

    private static Client subscribe(SimNode n, String lastId) {
        Client c = new Client();
        c.catchup(n.node().membership().events().subscribe(lastId, n.node().membership()::members, c));
        return c;
    }

    private static Map<String, String> states(SimNode n) {
        Map<String, String> s = new HashMap<>();
        n.node().membership().members().forEach(m -> s.put(m.nodeid(), m.state()));
        return s;
    }

    private static boolean everyoneSees(SimCluster c, String nodeId, String state) {
        for (SimNode n : c.running()) {
            if (!n.nodeId().equals(nodeId) && !state.equals(states(n).get(nodeId))) {
                return false;
            }
        }
        return true;
    }

    private static SimCluster mesh(long seed, int n) {
        SimCluster c = new SimCluster(seed);
        c.startAll(n, Duration.ofSeconds(1), b -> b.metadata(Metadata.of(Map.of("zone", "z" + (seed % 3)))));
        assertTrue(c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60)), c.sim().replayHint("mesh"));
        return c;
    }

    @Test
    void everyNodeListsEveryNodeAliveWithItsMetadata() {
        for (long seed = 1; seed <= 5; seed++) {
            SimCluster c = mesh(seed, 10);
            for (SimNode n : c.running()) {
                List<Member> members = n.node().membership().members();
                assertEquals(10, members.size(), n + " " + members);
                for (Member m : members) {
                    assertEquals("alive", m.state(), m.toString());
                    assertEquals("z" + (seed % 3), m.metadata().get("zone"), m.toString());
                    assertEquals(!m.self(), m.direct(), m.toString());
                }
                assertTrue(members.get(0).self());
            }
        }
    }

    @Test
    void aCrashIsSuspectThenDeadEverywhereAndAByeIsLeftAtOnce() {
        for (long seed = 1; seed <= 5; seed++) {
            SimCluster c = mesh(seed, 8);
            c.sim().runFor(Duration.ofSeconds(5));
            Client client = subscribe(c.nodes().get(0), null);
            SimNode crashed = c.nodes().get(3);
            String crashedId = crashed.nodeId();
            crashed.crash();
            long t0 = c.sim().nowMillis();
            assertTrue(c.sim().runUntil(() -> everyoneSees(c, crashedId, "suspect"), Duration.ofSeconds(2)),
                    "a crash (resets) is suspected at once; " + c.sim().replayHint("crash"));
            assertTrue(c.sim().runUntil(() -> everyoneSees(c, crashedId, "dead"), TIMEOUT.plusSeconds(2)),
                    c.sim().replayHint("crash"));
            long deadAfter = c.sim().nowMillis() - t0;
            assertTrue(deadAfter <= TIMEOUT.toMillis() + 1000, "dead after " + deadAfter + " ms");

            SimNode leaving = c.nodes().get(5);
            String leavingId = leaving.nodeId();
            leaving.stop();
            assertTrue(c.sim().runUntil(() -> everyoneSees(c, leavingId, "left"), Duration.ofMillis(500)),
                    "bye is left within a round trip; " + c.sim().replayHint("bye"));

            List<MemberEventKind> aboutCrashed = client.events.stream().filter(e -> e.member().nodeid().equals(crashedId))
                    .map(MemberEvent::kind).toList();
            assertEquals(List.of(MemberEventKind.SUSPECT, MemberEventKind.DEAD), aboutCrashed);
            assertEquals(states(c.nodes().get(0)), client.states(), "snapshot + events = the list");

            // Records of the gone are forgotten after the retention; the events said everything first.
            c.sim().runFor(Duration.ofSeconds(61));
            assertNull(states(c.nodes().get(0)).get(crashedId));
            assertEquals(0, c.nodes().get(0).node().membership().pendingTimers());
        }
    }

    @Test
    void aShortStallIsUnnoticedAndALongOneIsRefutedOnReturn() {
        for (long seed = 1; seed <= 5; seed++) {
            SimCluster c = mesh(seed, 6);
            c.sim().runFor(Duration.ofSeconds(5));
            Client client = subscribe(c.nodes().get(0), null);
            SimNode stalled = c.nodes().get(2);
            stalled.pause();
            c.sim().runFor(TIMEOUT.minusSeconds(3)); // shorter than timeout minus interval: no ping is overdue
            stalled.resume();
            c.sim().runFor(Duration.ofSeconds(10));
            assertTrue(client.events.isEmpty(), "short stall: no event; " + client.events);

            stalled.pause();
            assertTrue(c.sim().runUntil(() -> everyoneSees(c, stalled.nodeId(), "suspect"), TIMEOUT.plusSeconds(3)),
                    c.sim().replayHint("stall"));
            stalled.resume();
            assertTrue(c.sim().runUntil(() -> everyoneSees(c, stalled.nodeId(), "alive"), Duration.ofSeconds(5)),
                    "refuted before the suspicion timed out; " + c.sim().replayHint("stall"));
            List<MemberEventKind> kinds = client.events.stream().map(MemberEvent::kind).toList();
            assertEquals(List.of(MemberEventKind.SUSPECT, MemberEventKind.ALIVE), kinds, c.sim().replayHint("stall"));
        }
    }

    @Test
    void metadataChangesReachEveryMemberAndAResumingClientMissesNothing() {
        SimCluster c = mesh(7, 6);
        SimNode owner = c.nodes().get(4);
        Client early = subscribe(c.nodes().get(1), null);
        for (int round = 1; round <= 5; round++) {
            String version = "v" + round;
            owner.node().setMetadata(Metadata.of(Map.of("version", version)));
            long t0 = c.sim().nowMillis();
            assertTrue(c.sim().runUntil(() -> c.running().stream().allMatch(n -> version.equals(
                    n.node().membership().members().stream().filter(m -> m.nodeid().equals(owner.nodeId())).findFirst()
                            .orElseThrow().metadata().get("version"))), Duration.ofSeconds(1)), "round " + round);
            assertTrue(c.sim().nowMillis() - t0 < 100, "one hop: " + (c.sim().nowMillis() - t0) + " ms");
        }
        // Resume from the id after the second update: exactly the later updates, in order.
        MemberEvent second = early.events.stream().filter(e -> e.kind() == MemberEventKind.UPDATED).skip(1).findFirst()
                .orElseThrow();
        Client resumed = subscribe(c.nodes().get(1), second.id());
        assertEquals(List.of(owner.nodeId()), List.copyOf(resumed.view.keySet()),
                "a resume gives the missed events only, no snapshot of the others");
        List<String> versions = resumed.events.stream().map(e -> e.member().metadata().get("version")).toList();
        assertEquals(List.of("v3", "v4", "v5"), versions);
        assertEquals(owner.node().membership().ownIncarnation(), 5);
        // An id of another run, or from the future, gets a snapshot.
        Client other = new Client();
        MemberEvents.Catchup stale = c.nodes().get(1).node().membership().events().subscribe("00000000-3", List::of, other);
        assertNotNull(stale.snapshot());
        MemberEvents.Catchup future = c.nodes().get(1).node().membership().events()
                .subscribe(second.run() + "-99999", List::of, other);
        assertNotNull(future.snapshot());
    }
}
