package io.peermesh.node.events;

/** A limit that protects the node from a peer or a crowd, as {@code p2p_limits_total{limit}}. */
public enum Limit {
    /** More inbound connections than p2p.limits.max-inbound. */
    INBOUND_TOTAL("inbound_total", "p2p.limits.max-inbound"),
    /** More inbound connections from one IP than p2p.limits.max-inbound-per-ip. */
    INBOUND_PER_IP("inbound_per_ip", "p2p.limits.max-inbound-per-ip"),
    /** More connections waiting for their handshake than p2p.limits.max-pending-handshakes. */
    PENDING_HANDSHAKES("pending_handshakes", "p2p.limits.max-pending-handshakes"),
    /** A connection sending faster than p2p.limits.message-rate (burst message-burst). */
    MESSAGE_RATE("message_rate", "p2p.limits.message-rate"),
    /** A peer that does not read: more than p2p.limits.max-write-queue-bytes queued for it. */
    WRITE_QUEUE("write_queue", "p2p.limits.max-write-queue-bytes"),
    /** An inbound connection from an IP that broke the protocol less than p2p.limits.ban-duration ago. */
    COOLING_OFF("cooling_off", "p2p.limits.ban-duration");

    private final String label;
    private final String key;

    Limit(String label, String key) {
        this.label = label;
        this.key = key;
    }

    public String label() {
        return label;
    }

    /** The config key that sets it, for the log line. */
    public String key() {
        return key;
    }
}
