package io.peermesh.node.dial;

import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.LinkProblem;
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
 *   (new, learned from gossip) WAITING --the other end dialled us--> CONNECTED
 *                                        \--it did not, timer--> dial
 * </pre>
 * WAITING: the other end learned of us at the same time and dials first (see Dialer#yieldsTo).
 * A CONNECTED target may carry {@link LinkProblem#ONE_WAY} (the node there dialled us, our dials
 * fail); a failing one {@link LinkProblem#NO_HELLO} (it accepts TCP, never answers the hello).
 * SELF is final. DEPARTED is left only when the address is offered again (bootstrap re-consulted,
 * discovery), see {@link Dialer}.
 */
public final class DialTarget {

    enum State { IDLE, WAITING, DIALING, HANDSHAKING, CONNECTED, BACKOFF, DEPARTED, SELF }

    /**
     * Who vouches for the address. Bootstrap entries are never forgotten; DNS entries are forgotten
     * when the name stops listing them; gossip-only entries after repeated failures.
     */
    public enum Source { BOOTSTRAP, DNS, GOSSIP }

    public final HostPort address;
    final java.util.EnumSet<Source> sources = java.util.EnumSet.noneOf(Source.class);
    State state = State.IDLE;
    int failures;
    long timerId = -1;
    long nextAttemptAtMillis;
    long departedAtNanos;
    /** The node last reached at this address; null until a handshake identified it. */
    String nodeId;
    /** The last reason this address could not be connected, for readiness and /peers diagnostics; null when fine. */
    String problem;
    /** A gray link (see {@link LinkProblem}); null when the address is plainly up or plainly down. */
    LinkProblem link;
    /** How the last TCP dial to the address failed; null once one succeeded. */
    DialResult lastDialFailure;
    /** Re-checks a one-way link with a plain TCP connect. */
    long probeTimerId = -1;

    DialTarget(HostPort address, Source source) {
        this.address = address;
        this.sources.add(source);
    }

    boolean inFlight() {
        return state == State.DIALING || state == State.HANDSHAKING;
    }
}
