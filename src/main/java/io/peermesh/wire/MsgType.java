package io.peermesh.wire;

import java.util.Map;

/**
 * The {@code msgtype} values of the wire protocol (v2 adds {@code meta}, {@code broadcast} and {@code links}). {@link #label()} is the value on the wire and the
 * metric label; anything a peer sends that is not listed here is {@link #UNKNOWN}, so a hostile
 * peer can never create a new metric series.
 */
public enum MsgType {
    HELLO("hello"),
    PING("ping"),
    PONG("pong"),
    GETADDR("getaddr"),
    ADDR("addr"),
    BYE("bye"),
    REJECT("reject"),
    META("meta"),
    BROADCAST("broadcast"),
    /** v2: a compact summary of the sender's links (issue #14). */
    LINKS("links"),
    UNKNOWN("unknown");

    private static final Map<String, MsgType> BY_LABEL = Map.of(
            "hello", HELLO, "ping", PING, "pong", PONG, "getaddr", GETADDR,
            "addr", ADDR, "bye", BYE, "reject", REJECT, "meta", META, "broadcast", BROADCAST,
            "links", LINKS);

    private final String label;

    MsgType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The known type for a wire value, or {@link #UNKNOWN}; never null. */
    public static MsgType fromWire(String value) {
        return value == null ? UNKNOWN : BY_LABEL.getOrDefault(value, UNKNOWN);
    }
}
