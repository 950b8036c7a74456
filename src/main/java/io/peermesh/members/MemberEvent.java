package io.peermesh.members;

/**
 * One change in the member list. {@code seq} numbers the node's events 1, 2, ... in the order they
 * happened; {@link #id()} adds the node's run (its id's first 8 characters), so that an id from an
 * earlier run of the node is never mistaken for one of this run.
 */
public record MemberEvent(String run, long seq, MemberEventKind kind, Member member, long atMillis) {

    /** The event id as streams send it: {@code <run>-<seq>}. */
    public String id() {
        return run + "-" + seq;
    }
}
