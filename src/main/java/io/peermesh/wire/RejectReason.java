package io.peermesh.wire;

/** The {@code reason} values a {@code reject} message carries. */
public enum RejectReason {
    /** The hello carried the listener's own node id: the dialer reached itself. */
    SELF("self"),
    /** The listener already has a live connection to this node id (or keeps the other one of a pair). */
    DUPLICATE("duplicate"),
    /** The hello names another {@code network}. */
    NETWORK_MISMATCH("network_mismatch"),
    /** The listener has p2p.max-peers peers; it lists some of them in the reject. */
    FULL("full"),
    /** The listener is shutting down. */
    SHUTTING_DOWN("shutting_down"),
    /**
     * The dialer's address broke the protocol repeatedly with no valid handshake in between, and the
     * hello's node id was not a peer of the listener recently (README "Limits").
     */
    COOLING_OFF("cooling_off");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The reason for a wire label, or null if the label is not known. */
    public static RejectReason fromWire(String label) {
        for (RejectReason r : values()) {
            if (r.label.equals(label)) {
                return r;
            }
        }
        return null;
    }
}
