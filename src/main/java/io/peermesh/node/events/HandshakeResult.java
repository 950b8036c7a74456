package io.peermesh.node.events;

/** Outcome of one handshake attempt, as {@code p2p_handshakes_total{result}}. */
public enum HandshakeResult {
    OK("ok"),
    /** The node reached itself. */
    SELF("self"),
    /** A second connection to a peer already connected; one of the two was closed. */
    DUPLICATE("duplicate"),
    /** Refused: network mismatch, protocol violation during the handshake, or the peer refused us. */
    REFUSED("refused"),
    /** Not completed within p2p.handshake-timeout. */
    TIMEOUT("timeout");

    private final String label;

    HandshakeResult(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
