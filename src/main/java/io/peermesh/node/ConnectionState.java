package io.peermesh.node;

/**
 * Life of one connection, the only state it has (there are no mode flags beside it):
 * <pre>
 *   HANDSHAKING ──hello accepted──> ESTABLISHED ──> CLOSED
 *        │  └──crossing dial (CrossingDials)──> PARKED ──peer dropped the other──┘ (to ESTABLISHED)
 *        └──────────────────────────────────────────┴──────────────> CLOSED
 * </pre>
 * Only an ESTABLISHED connection can be in the peer table. A PARKED one has exchanged hellos but
 * waits, its input held, for the peer to drop the registered connection it duplicates.
 */
public enum ConnectionState {
    /** Socket open; the dialer has sent its hello and waits for the answer, or the listener waits for it. */
    HANDSHAKING,
    /** A crossing dial holding the parking slot of its node id: hellos exchanged, nothing read further. */
    PARKED,
    /** Hellos exchanged and accepted by both sides. */
    ESTABLISHED,
    /** Closed or closing; every further input is ignored. */
    CLOSED;

    /** Whether a connection in this state may move to {@code next}; anything else is a bug in the node. */
    boolean canMoveTo(ConnectionState next) {
        return switch (this) {
            case HANDSHAKING -> next == PARKED || next == ESTABLISHED || next == CLOSED;
            case PARKED -> next == ESTABLISHED || next == CLOSED;
            case ESTABLISHED -> next == CLOSED;
            case CLOSED -> false;
        };
    }

    /** Hellos not yet both accepted: counts against the handshake limits. */
    boolean handshaking() {
        return this == HANDSHAKING || this == PARKED;
    }
}
