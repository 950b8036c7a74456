package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule a full node follows to let in a node that says it is isolated (see {@link Eviction}). */
class EvictionTest {

    private static final long SECOND = 1_000_000_000L;
    private final Eviction eviction = new Eviction(Duration.ofSeconds(6));

    /** A stand-in connection with exactly the properties the rule reads. */
    private record Peer(String name, ConnectionState state, Direction direction, long establishedAtNanos,
            double smoothedRttNanos, int knownOtherPeers, boolean admittedByEviction, String remoteIp, boolean penalised)
            implements Eviction.Candidate {
    }

    private static Peer inbound(String name, long since, double rttMillis, int otherPeers, String ip) {
        return new Peer(name, ConnectionState.ESTABLISHED, Direction.INBOUND, since * SECOND, rttMillis * 1e6,
                otherPeers, false, ip, false);
    }

    private static Peer newcomer(String ip) {
        return new Peer("newcomer", ConnectionState.HANDSHAKING, Direction.INBOUND, 0, -1, 0, false, ip, false);
    }

    /** Two old and two fast peers (protected), and the rest young, slower and well connected. */
    private static List<Peer> fullNode() {
        List<Peer> peers = new ArrayList<>();
        peers.add(inbound("oldest", 1, 9, 5, "10.0.0.1"));
        peers.add(inbound("second-oldest", 2, 9, 5, "10.0.0.2"));
        peers.add(inbound("fastest", 10, 1, 5, "10.0.0.3"));
        peers.add(inbound("second-fastest", 11, 2, 5, "10.0.0.4"));
        peers.add(inbound("busy", 12, 9, 7, "10.0.0.5"));
        peers.add(inbound("young", 14, 9, 3, "10.0.0.6"));
        return peers;
    }

    private Peer victim(Peer newcomer, Integer claimed, List<Peer> peers, long nowSeconds) {
        List<Peer> open = new ArrayList<>(peers);
        open.add(newcomer);
        return eviction.victimFor(newcomer, claimed, peers, open, nowSeconds * SECOND);
    }

    @Test
    void onlyAHelloSayingItHasNoPeerCausesAnEviction() {
        List<Peer> peers = fullNode();
        assertNull(victim(newcomer("10.9.9.9"), null, peers, 100), "no peercount: a minimal peer");
        assertNull(victim(newcomer("10.9.9.9"), 1, peers, 100));
        assertSame(peers.get(4), victim(newcomer("10.9.9.9"), 0, peers, 100));
    }

    @Test
    void theVictimHasTheMostOtherPeersAmongTheUnprotectedThenIsTheYoungest() {
        List<Peer> peers = fullNode();
        assertSame(peers.get(4), victim(newcomer("10.9.9.9"), 0, peers, 100), "busy has 7 other peers");
        List<Peer> tie = new ArrayList<>(peers);
        tie.set(5, inbound("young", 14, 9, 7, "10.0.0.6"));
        assertSame(tie.get(5), victim(newcomer("10.9.9.9"), 0, tie, 100), "same count: the younger goes");
    }

    @Test
    void theLongestConnectedAndTheFastestAreNeverEvicted() {
        List<Peer> protectedOnly = fullNode().subList(0, 4);
        assertNull(victim(newcomer("10.9.9.9"), 0, protectedOnly, 100));
    }

    @Test
    void outboundPeersPeersLetInByEvictionAndPeersWithFewerThanTwoOthersAreNeverEvicted() {
        List<Peer> peers = new ArrayList<>(fullNode().subList(0, 4));
        peers.add(new Peer("dialled by us", ConnectionState.ESTABLISHED, Direction.OUTBOUND, 12 * SECOND, 9e6, 9, false, "10.0.0.5", false));
        peers.add(new Peer("let in by eviction", ConnectionState.ESTABLISHED, Direction.INBOUND, 13 * SECOND, 9e6, 9, true, "10.0.0.7", false));
        peers.add(inbound("one other peer", 14, 9, 1, "10.0.0.6"));
        assertNull(victim(newcomer("10.9.9.9"), 0, peers, 100));
    }

    @Test
    void atMostOneEvictionPerSpacing() {
        List<Peer> peers = fullNode();
        assertSame(peers.get(4), victim(newcomer("10.9.9.9"), 0, peers, 100));
        eviction.evicted(100 * SECOND);
        assertNull(victim(newcomer("10.9.9.8"), 0, peers, 105));
        assertSame(peers.get(4), victim(newcomer("10.9.9.8"), 0, peers, 106));
    }

    @Test
    void anIpThatHoldsAPeerLetInByEvictionCannotCauseAnother() {
        List<Peer> peers = fullNode();
        peers.add(new Peer("let in by eviction", ConnectionState.ESTABLISHED, Direction.INBOUND, 20 * SECOND, 9e6, 0, true, "10.9.9.9", false));
        assertNull(victim(newcomer("10.9.9.9"), 0, peers, 100), "same IP");
        assertSame(peers.get(4), victim(newcomer("10.9.9.10"), 0, peers, 100), "another IP");
    }

    private static Peer penalised(Peer p) {
        return new Peer(p.name(), p.state(), p.direction(), p.establishedAtNanos(), p.smoothedRttNanos(),
                p.knownOtherPeers(), p.admittedByEviction(), p.remoteIp(), true);
    }

    @Test
    void aPeerFromAPenalisedAddressIsTheFirstToGoEvenIfOldOrFastAndForAnyCleanNewcomer() {
        List<Peer> peers = fullNode();
        peers.set(0, penalised(peers.get(0))); // the oldest: protected were it not penalised
        assertSame(peers.get(0), victim(newcomer("10.9.9.9"), 3, peers, 100), "a newcomer with peers of its own");
        assertSame(peers.get(0), victim(newcomer("10.9.9.9"), 0, peers, 100), "an isolated newcomer too");
        assertNull(victim(penalised(newcomer("10.9.9.9")), 3, peers, 100), "a penalised newcomer evicts nobody");
        eviction.evicted(100 * SECOND);
        assertNull(victim(newcomer("10.9.9.9"), 3, peers, 101), "one eviction per spacing still");
    }

    @Test
    void aPenalisedPeerWithoutOtherPeersIsNotEvicted() {
        List<Peer> peers = fullNode();
        peers.set(5, penalised(inbound("alone", 14, 9, 1, "10.0.0.6")));
        assertNull(victim(newcomer("10.9.9.9"), 3, peers, 100), "it would be cut off from the mesh");
    }
}
