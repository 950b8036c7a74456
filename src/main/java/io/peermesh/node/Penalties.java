package io.peermesh.node;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who misbehaved, kept per source address, so that a penalty hits the offender and not the peers
 * that share its address (several nodes per host, NAT, a service-mesh sidecar through which every
 * inbound connection arrives from one address, e.g. Istio's 127.0.0.6). The rule (README "Limits"):
 *
 * <ol>
 * <li>An offence (a protocol error or a message flood) closes only that connection and counts
 *     against its source address; a valid handshake from the address wipes its count.</li>
 * <li>The address is refused ({@link Verdict#REFUSED}) only after {@code banOffences} offences within
 *     {@code ban-duration}, with no peer connected from it and no valid handshake from it within
 *     {@code ban-duration} (an address that a peer of this node uses is never refused), and even
 *     then a hello from a node id that completed a handshake here within {@code ban-duration} is
 *     admitted.</li>
 * <li>A connection from an address with an offence on record ({@link Verdict#PENALISED}) that
 *     completes a valid handshake is admitted while there is room, and is the first evicted when
 *     there is not.</li>
 * </ol>
 *
 * <p>Why not refuse on the first offence, as this node did before: behind a sidecar one stranger's
 * line of garbage locked every peer out for a minute. Bitcoin Core's "discouraged" addresses are
 * likewise still accepted while there are free slots, and evicted first.
 *
 * <p>Bounded: at most {@value #MAX_ENTRIES} addresses and as many node ids, the oldest go first.
 * Used on the node's event loop only.
 */
final class Penalties {

    static final int MAX_ENTRIES = 4096;

    /** How an address stands when a connection from it arrives. */
    enum Verdict {
        /** Nothing on record. */
        CLEAR,
        /** Offences on record, below the threshold: served, evicted first. */
        PENALISED,
        /** Enough offences and no valid handshake since: only a hello of a recent peer is admitted. */
        REFUSED
    }

    private static final class Record {
        int offences;
        long firstOffenceNanos;
        long lastOffenceNanos;
        boolean refused;
    }

    private final long windowNanos;
    private final int threshold;
    private final Map<String, Record> byAddress = bounded();
    private final Map<String, Long> recentPeers = bounded();
    private final Map<String, Long> lastValidByAddress = bounded();

    Penalties(java.time.Duration banDuration, int banOffences) {
        this.windowNanos = banDuration.toNanos();
        this.threshold = banOffences;
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }

    /**
     * A connection from {@code ip} broke the protocol or flooded; it is being closed.
     * {@code peerConnectedFrom}: a peer of this node is connected from {@code ip} now. Handshake
     * recency alone is not enough: in a mesh stable for longer than ban-duration nobody handshakes,
     * and a stranger behind the peers' sidecar got the address refused (sidecar.sh, issue 10).
     */
    void offence(String ip, long nowNanos, boolean peerConnectedFrom) {
        if (windowNanos <= 0) {
            return; // p2p.limits.ban-duration=0s: nothing is held against anyone
        }
        Record r = current(ip, nowNanos);
        if (r == null) {
            r = new Record();
            r.firstOffenceNanos = nowNanos;
        }
        byAddress.remove(ip); // re-inserted: the most recently offending address is evicted last
        byAddress.put(ip, r);
        r.offences++;
        r.lastOffenceNanos = nowNanos;
        Long valid = lastValidByAddress.get(ip);
        boolean hostsAPeer = peerConnectedFrom || (valid != null && nowNanos - valid < windowNanos);
        if (r.offences >= threshold && !hostsAPeer) {
            r.refused = true;
        }
    }

    /** A handshake from {@code ip} by {@code nodeId} was valid and accepted. */
    void validHandshake(String ip, String nodeId, long nowNanos) {
        if (ip != null) {
            byAddress.remove(ip);
            if (windowNanos > 0) {
                lastValidByAddress.remove(ip);
                lastValidByAddress.put(ip, nowNanos);
            }
        }
        if (windowNanos > 0 && nodeId != null) {
            recentPeers.remove(nodeId);
            recentPeers.put(nodeId, nowNanos);
        }
    }

    Verdict verdict(String ip, long nowNanos) {
        Record r = current(ip, nowNanos);
        return r == null ? Verdict.CLEAR : r.refused ? Verdict.REFUSED : Verdict.PENALISED;
    }

    /** True when {@code nodeId} completed a handshake with this node within ban-duration. */
    boolean recentPeer(String nodeId, long nowNanos) {
        Long at = recentPeers.get(nodeId);
        if (at == null) {
            return false;
        }
        if (nowNanos - at >= windowNanos) {
            recentPeers.remove(nodeId);
            return false;
        }
        return true;
    }

    /**
     * The record of {@code ip}, or null when it has none in force: offences count for ban-duration
     * after the first of a series, and a refusal lasts ban-duration after the last offence.
     */
    private Record current(String ip, long nowNanos) {
        Record r = byAddress.get(ip);
        if (r == null) {
            return null;
        }
        long since = r.refused ? r.lastOffenceNanos : r.firstOffenceNanos;
        if (nowNanos - since >= windowNanos) {
            byAddress.remove(ip);
            return null;
        }
        return r;
    }

    int size() {
        return byAddress.size();
    }
}
