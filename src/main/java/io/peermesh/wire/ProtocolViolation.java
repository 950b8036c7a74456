package io.peermesh.wire;

/**
 * Thrown by the framer and codec when input breaks wire protocol v1. It carries no stack trace:
 * it is an expected outcome of hostile or broken input, logged as one line with its reason.
 */
public final class ProtocolViolation extends Exception {
    private final ProtocolError error;

    public ProtocolViolation(ProtocolError error, String detail) {
        super(detail, null, false, false);
        this.error = error;
    }

    public ProtocolError error() {
        return error;
    }
}
