package io.peermesh.broadcast;

/** Why a broadcast received from a peer was not delivered or relayed (the metric label). */
public enum BroadcastDrop {
    /** Seen before (it arrived over another path too): the normal cost of flooding. */
    DUPLICATE("duplicate"),
    /** The peer sent more than p2p.broadcast.relay-rate. */
    RELAY_RATE("relay_rate"),
    /** Its payload is over p2p.broadcast.max-payload-bytes. */
    PAYLOAD_SIZE("payload_size");

    private final String label;

    BroadcastDrop(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
