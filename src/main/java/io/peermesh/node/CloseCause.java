package io.peermesh.node;

import io.peermesh.wire.RejectReason;

/**
 * Why a connection closed, as a typed value: the node decides on the {@link Kind} (was it the
 * peer that dropped it? should the dial be retried?), never on text. The detail only completes
 * the log line and the dial target's last problem ({@code /node/targets}).
 */
public record CloseCause(Kind kind, String detail) {

    /** Who ended the connection and why. */
    public enum Kind {
        /** This node is stopping (it said bye first where the peer may count the link). */
        NODE_STOPPING("node stopping", false),
        /** The peer said bye: a departure, never a failure. */
        PEER_BYE("peer said bye", false),
        /** The socket closed without a bye: the peer (or the network) dropped it. */
        PEER_CLOSED("closed by peer", true),
        /** After the handshake the peer refused this connection as a duplicate: its half of a crossing dial. */
        PEER_DROPPED_DUPLICATE("peer refused: duplicate", true),
        /** After the handshake the peer sent a reject for another reason. */
        PEER_REFUSED("peer refused", false),
        /** Our hello was answered with a reject (outbound, during the handshake). */
        REFUSED_BY_PEER("refused by peer", false),
        /** This node refused the peer's hello (self, network, full, duplicate, probation, stopping). */
        HANDSHAKE_REFUSED("handshake refused", false),
        /** No completed handshake within {@code p2p.handshake-timeout}. */
        HANDSHAKE_TIMEOUT("handshake timeout", false),
        /** The TLS handshake failed (either side). */
        TLS_FAILED("TLS handshake failed", false),
        /** The peer broke the protocol. */
        PROTOCOL_ERROR("protocol error", false),
        /** A limit (message rate, write queue) was exceeded. */
        LIMIT("limit", false),
        /** No pong within {@code p2p.ping-timeout}. */
        PING_TIMEOUT("ping timeout", false),
        /** A crossing dial won: this connection, the one dialled by the larger node id, goes. */
        DUPLICATE("duplicate: keeping the connection dialled by the smaller node id", false),
        /** Dropped at {@code p2p.max-peers} to let an isolated node in. */
        EVICTED("evicted", false),
        /** Another node now answers at the address this peer claimed (a restart or a reused IP). */
        REPLACED("replaced", false);

        private final String label;
        private final boolean droppedByPeer;

        Kind(String label, boolean droppedByPeer) {
            this.label = label;
            this.droppedByPeer = droppedByPeer;
        }

        public String label() {
            return label;
        }
    }

    public static CloseCause of(Kind kind) {
        return new CloseCause(kind, null);
    }

    public static CloseCause of(Kind kind, String detail) {
        return new CloseCause(kind, detail);
    }

    /** A reject received on an established connection. */
    static CloseCause peerReject(String wireReason) {
        return RejectReason.fromWire(wireReason) == RejectReason.DUPLICATE ? of(Kind.PEER_DROPPED_DUPLICATE)
                : of(Kind.PEER_REFUSED, wireReason);
    }

    /**
     * True when the peer itself dropped the connection (closed it without bye, or refused it as a
     * duplicate): the real peer's half of a crossing-dial tie-break, which an impostor cannot cause.
     */
    public boolean droppedByPeer() {
        return kind.droppedByPeer;
    }

    /** For logs and the dial target's problem: "ping timeout", "protocol error: frame-too-long", ... */
    public String describe() {
        return detail == null ? kind.label : kind.label + ": " + detail;
    }

    @Override
    public String toString() {
        return describe();
    }
}
