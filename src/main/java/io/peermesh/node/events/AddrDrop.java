package io.peermesh.node.events;

/** Why addr entries were dropped, as {@code p2p_addr_entries_dropped_total{reason}}. */
public enum AddrDrop {
    /** Not a UUID node id with a host:port, or beyond 1000 entries in one message. */
    INVALID("invalid"),
    /** Beyond the sender's token bucket (p2p.discovery.addr-rate / addr-burst). */
    RATE_LIMITED("rate_limited");

    private final String label;

    AddrDrop(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
