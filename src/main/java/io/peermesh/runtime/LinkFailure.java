package io.peermesh.runtime;

/**
 * Why a link failed, typed: the transport classifies its own errors (exception classes, TLS
 * alerts), so the core never searches exception text.
 *
 * @param kind   what failed
 * @param detail a few words for logs and readiness, never what the peer sent
 */
public record LinkFailure(Kind kind, String detail) {

    public enum Kind {
        /** An inbound peer failed this node's TLS handshake (plain text, no or an untrusted certificate). */
        TLS_INBOUND,
        /** The peer refused this node's TLS certificate (an alert after our side finished, TLS 1.3). */
        TLS_OUTBOUND,
        /** Any other I/O error (a reset, a broken pipe). */
        IO
    }
}
