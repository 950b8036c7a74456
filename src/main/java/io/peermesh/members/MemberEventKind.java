package io.peermesh.members;

/** What changed about a member; {@link #label()} is the SSE event name. */
public enum MemberEventKind {
    JOINED("joined"),
    /** Metadata or address changed. */
    UPDATED("updated"),
    SUSPECT("suspect"),
    /** A suspicion ended: the member is back before it was declared dead. */
    ALIVE("alive"),
    DEAD("dead"),
    LEFT("left");

    private final String label;

    MemberEventKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
