package io.peermesh.node;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Whom a full node may drop to let in a node that says it has no peer at all.
 *
 * <p>Why at all: when every node a newcomer can find is full - a seed and its first peers form a
 * full clique as soon as {@code p2p.max-peers} is small - the newcomer would stay alone, and the
 * mesh split into cliques. So a full node lets in a hello announcing {@code peercount} 0 by
 * dropping a peer that has others; that peer re-dials, is refused {@code full} and learns where
 * else to go. But the count is the newcomer's own claim: a liar must not be able to evict the
 * node's best peers, once or repeatedly. The rule, in the spirit of Bitcoin Core's inbound
 * eviction (protect peers for properties an attacker cannot fake cheaply, evict among the rest):
 *
 * <p><b>Who may cause an eviction:</b> a hello saying {@code peercount} 0; at most one eviction per
 * ping timeout, node-wide; and not from an IP that already holds a peer let in by eviction (one
 * such slot per IP at a time: a single host cannot take slot after slot).
 *
 * <p><b>Who may be evicted:</b> only an inbound peer (outbound peers are the node's own choice);
 * never one of the {@value #PROTECTED_LONGEST} longest-connected peers (a liar cannot make itself
 * older) nor one of the {@value #PROTECTED_FASTEST} with the lowest smoothed ping RTT (to be faster
 * an attacker must be closer); never a peer that was let in by eviction (it said it had none); and
 * only a peer known to have at least {@value #MIN_OTHER_PEERS} other peers - the larger of what
 * its hello said and what its latest answer to our {@code getaddr} listed - so that it stays
 * connected to the mesh even if one of those links fails meanwhile. Among those: the one with the
 * most other peers, then the youngest.
 *
 * <p>So a liar can at most replace an unprotected, well-connected, young inbound peer, once per
 * ping timeout and once per IP it holds a slot with; the protected peers it can never touch.
 *
 * <p><b>Penalised peers go first.</b> A peer that arrived from an address with offences on record
 * ({@link Penalties}) is admitted while there is room; when there is none, any newcomer from a
 * clean address (not only an isolated one) may take its slot, and an isolated newcomer's eviction
 * picks it before the others, age and RTT protecting it no longer. It must still have
 * {@value #MIN_OTHER_PEERS} other peers, and the one-per-ping-timeout spacing holds.
 *
 * <p>Threading: on the node's event loop.
 */
final class Eviction {

    static final int PROTECTED_LONGEST = 2;
    static final int PROTECTED_FASTEST = 2;
    static final int MIN_OTHER_PEERS = 2;

    private final long spacingNanos;
    private long lastEvictionNanos = Long.MIN_VALUE / 2;

    Eviction(java.time.Duration spacing) {
        this.spacingNanos = spacing.toNanos();
    }

    /** What the rule looks at; a {@link PeerConnection}, or a stand-in in tests. */
    interface Candidate {
        ConnectionState state();

        Direction direction();

        long establishedAtNanos();

        /** Smoothed ping RTT, negative while no pong was measured. */
        double smoothedRttNanos();

        /** How many other peers it is known to have (its hello's count, or its latest addr answer). */
        int knownOtherPeers();

        boolean admittedByEviction();

        String remoteIp();

        /** It came from an address with offences on record ({@link Penalties}): the first to go. */
        default boolean penalised() {
            return false;
        }
    }

    /**
     * The peer to drop so that {@code newcomer} (whose hello said {@code claimedPeers}) can come
     * in, or null to refuse it as full. {@code peers} are the registered connections, {@code open}
     * every open one.
     */
    <C extends Candidate> C victimFor(C newcomer, Integer claimedPeers, Collection<C> peers, Collection<C> open,
            long nowNanos) {
        if (nowNanos - lastEvictionNanos < spacingNanos) {
            return null;
        }
        C penalised = null;
        for (C c : peers) {
            if (c.penalised() && c.state() == ConnectionState.ESTABLISHED && c.direction() == Direction.INBOUND
                    && c.knownOtherPeers() >= MIN_OTHER_PEERS
                    && (penalised == null || c.establishedAtNanos() > penalised.establishedAtNanos())) {
                penalised = c; // the youngest
            }
        }
        if (penalised != null && !newcomer.penalised()) {
            return penalised;
        }
        if (claimedPeers == null || claimedPeers != 0) {
            return null;
        }
        for (C c : open) {
            if (c != newcomer && c.admittedByEviction() && c.state() == ConnectionState.ESTABLISHED
                    && c.remoteIp().equals(newcomer.remoteIp())) {
                return null;
            }
        }
        List<C> candidates = new ArrayList<>();
        for (C c : peers) {
            if (c.state() == ConnectionState.ESTABLISHED && c.direction() == Direction.INBOUND && !c.admittedByEviction()
                    && c.knownOtherPeers() >= MIN_OTHER_PEERS) {
                candidates.add(c);
            }
        }
        List<C> byAge = new ArrayList<>(peers);
        byAge.sort(Comparator.comparingLong(Candidate::establishedAtNanos));
        candidates.removeAll(byAge.subList(0, Math.min(PROTECTED_LONGEST, byAge.size())));
        List<C> byRtt = new ArrayList<>();
        for (C c : peers) {
            if (c.smoothedRttNanos() >= 0) {
                byRtt.add(c);
            }
        }
        byRtt.sort(Comparator.comparingDouble(Candidate::smoothedRttNanos));
        candidates.removeAll(byRtt.subList(0, Math.min(PROTECTED_FASTEST, byRtt.size())));
        return candidates.stream()
                .max(Comparator.comparingInt(Candidate::knownOtherPeers).thenComparingLong(Candidate::establishedAtNanos))
                .orElse(null);
    }

    /** An eviction happened now: the next one waits a ping timeout. */
    void evicted(long nowNanos) {
        lastEvictionNanos = nowNanos;
    }
}
