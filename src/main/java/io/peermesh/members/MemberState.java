package io.peermesh.members;

/** Where a member stands, as {@code GET /members} shows it ({@link #label()}). */
public enum MemberState {
    /** Linked now, or heard of as live. */
    ALIVE("alive"),
    /** Its link closed or went silent without a bye: it may be back soon (a restarting link), or dead. */
    SUSPECT("suspect"),
    /** Suspected for the whole suspicion timeout without coming back. */
    DEAD("dead"),
    /** It said bye: gone on purpose, at once. */
    LEFT("left");

    private final String label;

    MemberState(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
