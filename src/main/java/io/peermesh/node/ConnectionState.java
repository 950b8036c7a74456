package io.peermesh.node;

/**
 * Life of one connection. Transitions: {@code HANDSHAKING -> ESTABLISHED -> CLOSED}, or
 * {@code HANDSHAKING -> CLOSED}. Only an ESTABLISHED connection can be in the peer table.
 */
public enum ConnectionState {
    /** Socket open; the dialer has sent its hello and waits for the answer, or the listener waits for it. */
    HANDSHAKING,
    /** Hellos exchanged and accepted by both sides. */
    ESTABLISHED,
    /** Closed or closing; every further input is ignored. */
    CLOSED
}
