package io.peermesh.node.events;

/** Counted broadcast events (the metric label). */
public enum BroadcastOutcome {
    PUBLISHED("published"),
    DELIVERED("delivered");

    private final String label;

    BroadcastOutcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
