package io.peermesh.node.events;

import io.peermesh.runtime.Transport;

/** Outcome of one TCP dial, as {@code p2p_dials_total{result}}. */
public enum DialResult {
    OK("ok"),
    REFUSED("refused"),
    TIMEOUT("timeout"),
    /** Name resolution failed, host unreachable, or any other error. */
    ERROR("error");

    private final String label;

    DialResult(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static DialResult of(Transport.Failed failure) {
        return switch (failure.kind()) {
            case REFUSED -> DialResult.REFUSED;
            case TIMEOUT -> DialResult.TIMEOUT;
            case ERROR -> DialResult.ERROR;
        };
    }
}
