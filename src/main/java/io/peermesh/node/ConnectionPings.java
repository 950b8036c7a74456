package io.peermesh.node;

import io.peermesh.node.rtt.PingTracker;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.PingLines;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ping side of one established connection: sends pings (leads and follow-ups), turns pongs
 * into round trips and samples ({@link PingTracker}), and says when the peer is overdue. The
 * answering side (a pong for a ping) stays with the connection: it needs no state.
 *
 * <p>On the node's loop, owned by one {@link PeerConnection}.
 */
final class ConnectionPings {

    /** One line per round trip at FINE (DEBUG in Quarkus): what the benchmark's rttproc section reads. */
    private static final Logger RTT_LOG = Logger.getLogger("io.peermesh.rtt");

    private final PeerConnection connection;
    private final ConnectionOwner owner;
    private final PingTracker tracker;

    ConnectionPings(PeerConnection connection, ConnectionOwner owner) {
        this.connection = connection;
        this.owner = owner;
        this.tracker = new PingTracker(owner.loop().random(), owner.pingFollowUp());
    }

    /** A pong read by the transport at {@code receivedAtNanos} (its read, not after framing and decoding). */
    void pong(String nonce, long receivedAtNanos) {
        long rtt = tracker.answer(nonce, receivedAtNanos, owner.loop().currentTimeMillis(), owner.rttSampling());
        if (rtt < 0) {
            return;
        }
        boolean lead = tracker.answeredLead();
        if (lead) {
            send(true); // the link's sample: both ends awake now (PingTracker)
        }
        // The histogram takes every ping, the lead too: a peer slow to answer (CPU starved, paused)
        // shows in its tail and the RTT alert, though the follow-up, sent while it runs, would not.
        owner.observer().pingRoundTrip(rtt);
        if (RTT_LOG.isLoggable(Level.FINE)) {
            RTT_LOG.fine("rtt_ns=" + rtt + " peer=" + connection.nodeId() + (lead ? " lead" : "") + " nonce=" + nonce
                    + " rx_ns=" + receivedAtNanos);
        }
    }

    /** The answering side's share of a round trip, for the benchmark (both ends' CLOCK_MONOTONIC, one host). */
    static void logAnswered(String nonce, long receivedAtNanos, long replyAtNanos) {
        if (RTT_LOG.isLoggable(Level.FINE)) {
            RTT_LOG.fine("ping_in nonce=" + nonce + " rx_ns=" + receivedAtNanos + " tx_ns=" + replyAtNanos);
        }
    }

    /** Sends a round's ping if the peer is established; false when it is overdue (the caller closes it). */
    boolean pingOrExpire(long nowNanos, long timeoutNanos) {
        if (!established()) {
            return true;
        }
        if (tracker.overdue(nowNanos, timeoutNanos)) {
            return false;
        }
        send(false);
        return true;
    }

    private boolean established() {
        return connection.state() == ConnectionState.ESTABLISHED;
    }

    private void send(boolean followUp) {
        // The round trip starts here, per peer, right before the write: the scheduler's hop onto
        // the loop and the round's other peers are not in it (issue #16).
        String nonce = tracker.start(owner.loop().nanoTime(), followUp);
        if (nonce != null) {
            connection.send(MsgType.PING, PingLines.ping(nonce));
        }
    }

    /** When this peer becomes overdue (its oldest unanswered ping times out); MAX_VALUE if none is pending. */
    long overdueAtNanos(long timeoutNanos) {
        return established() ? tracker.overdueAtNanos(timeoutNanos) : Long.MAX_VALUE;
    }

    /** True when the peer is established and its oldest unanswered ping has timed out. */
    boolean overdue(long nowNanos, long timeoutNanos) {
        return established() && tracker.overdue(nowNanos, timeoutNanos);
    }

    /** When the peer last proved alive: its last pong, or the handshake before one. */
    long lastHeardNanos() {
        return Math.max(connection.establishedAtNanos(), tracker.lastPongNanos());
    }

    /** True when the peer proved alive (handshake or pong) within {@code windowNanos}. */
    boolean aliveWithin(long nowNanos, long windowNanos) {
        return established() && nowNanos - lastHeardNanos() < windowNanos;
    }

    PingTracker tracker() {
        return tracker;
    }
}
