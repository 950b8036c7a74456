package io.peermesh.node;

import io.peermesh.wire.HostPort;

/**
 * An address this node wants to be connected to, and where its dialling stands.
 *
 * <pre>
 *   IDLE --dial--> DIALING --tcp ok--> HANDSHAKING --hello ok--> CONNECTED
 *     ^               |                     |                        |
 *     |            failure               refused                 peer lost ----> BACKOFF
 *     +--timer-- BACKOFF <------------------+                        | bye -------> DEPARTED
 *                                        refused "self" ----------------------------> SELF
 * </pre>
 * SELF is final. DEPARTED is left only when the address is offered again (bootstrap re-consulted,
 * discovery), see {@link Dialer}.
 */
final class DialTarget {

    enum State { IDLE, DIALING, HANDSHAKING, CONNECTED, BACKOFF, DEPARTED, SELF }

    /** Where the address came from; bootstrap entries are never forgotten. */
    enum Source { BOOTSTRAP, DISCOVERED }

    final HostPort address;
    final Source source;
    State state = State.IDLE;
    int failures;
    long timerId = -1;
    long nextAttemptAtMillis;
    /** The node last reached at this address; null until a handshake identified it. */
    String nodeId;
    /** The last reason this address could not be connected, for readiness and /peers diagnostics; null when fine. */
    String problem;

    DialTarget(HostPort address, Source source) {
        this.address = address;
        this.source = source;
    }
}
