package io.peermesh.wire;

/**
 * Why a connection was closed for breaking the protocol. {@link #label()} is the metric reason
 * ({@code p2p_protocol_errors_total{reason}}) and appears in the single log line written for it.
 */
public enum ProtocolError {
    /** A line longer than {@code p2p.max-frame-bytes}, or that much data without a newline. */
    FRAME_TOO_LARGE("frame_too_large"),
    /** Not parseable as JSON, invalid UTF-8, trailing data after the object, or past parser limits. */
    INVALID_JSON("invalid_json"),
    /** Valid JSON, but not an object. */
    NOT_AN_OBJECT("not_an_object"),
    /** An object without a string {@code msgtype}. */
    MISSING_MSGTYPE("missing_msgtype"),
    /** A {@code hello} without a UUID {@code nodeid}, or with a malformed optional field. */
    INVALID_HELLO("invalid_hello"),
    /** A known message whose fields have the wrong types (e.g. a numeric ping nonce). */
    INVALID_MESSAGE("invalid_message"),
    /** Anything but {@code hello} (or {@code reject} to a dialer) before the handshake completed. */
    MESSAGE_BEFORE_HANDSHAKE("message_before_handshake"),
    /** A second {@code hello} on an established connection. */
    REPEATED_HELLO("repeated_hello"),
    /**
     * Mutual TLS is on and the TLS handshake failed: a plain-text peer, no certificate or one not
     * issued by the mesh CA, or the peer did not accept this node's certificate. Nothing was read.
     */
    TLS_HANDSHAKE_FAILED("tls_handshake_failed");

    private final String label;

    ProtocolError(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
