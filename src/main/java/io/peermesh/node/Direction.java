package io.peermesh.node;

/** Who opened a connection: the peer ({@code INBOUND}) or this node ({@code OUTBOUND}). */
public enum Direction {
    INBOUND("inbound"),
    OUTBOUND("outbound");

    private final String label;

    Direction(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
