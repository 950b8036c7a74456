package io.peermesh.wire;

import java.util.HashMap;
import java.util.Map;

/**
 * The state of one link in a {@code links} summary (issue #14), as the reporting node sees it:
 * {@link #UP} for a connected peer; the others for an address it dials that is not connected, named
 * after why (the reasons the topology page draws next to a dashed line). The labels are the wire
 * values; an entry with any other state is dropped by the receiver, so new states can be added
 * without breaking older nodes.
 */
public enum LinkState {
    UP("up"),
    /** A dial is under way (or a handshake) and has not failed yet. */
    DIALING("dialing"),
    /** Waiting to re-dial after a failure whose reason is none of the below. */
    BACKOFF("backoff"),
    /** The TCP connect was refused: nothing listens there. */
    REFUSED("refused"),
    /** The TCP connect or the handshake timed out. */
    TIMEOUT("timeout"),
    /** The TLS handshake failed (mutual TLS on the peer port). */
    TLS("tls"),
    /** The node there answered {@code reject} {@code full}. */
    FULL("full"),
    /** The node there is a peer, but dials to it fail: reachable one way only (gray link). */
    ONE_WAY("one_way"),
    /** Accepts connections but never answers the hello (gray link). */
    NO_HELLO("no_hello"),
    /** The node there refused the handshake for another reason (network mismatch, cooling off...). */
    REJECTED("rejected");

    private static final Map<String, LinkState> BY_LABEL = new HashMap<>();

    static {
        for (LinkState s : values()) {
            BY_LABEL.put(s.label, s);
        }
    }

    private final String label;

    LinkState(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The state for a wire value, or null when it is not one of ours. */
    public static LinkState fromWire(String label) {
        return label == null ? null : BY_LABEL.get(label);
    }
}
