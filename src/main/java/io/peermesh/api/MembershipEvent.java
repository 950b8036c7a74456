package io.peermesh.api;

import io.peermesh.members.Member;
import io.peermesh.members.MemberEvent;
import java.util.List;

/**
 * A membership event as the CDI and Mutiny API deliver it: first one {@link Kind#SNAPSHOT} (the
 * whole list in {@code members}, {@code member} null), then one event per change ({@code member}
 * set, {@code members} empty). {@code id} is the SSE event id of the same event.
 */
public record MembershipEvent(String id, Kind kind, Member member, List<Member> members) {

    public enum Kind { SNAPSHOT, JOINED, UPDATED, SUSPECT, ALIVE, DEAD, LEFT }

    static MembershipEvent snapshot(String id, List<Member> members) {
        return new MembershipEvent(id, Kind.SNAPSHOT, null, List.copyOf(members));
    }

    static MembershipEvent of(MemberEvent e) {
        return new MembershipEvent(e.id(), Kind.valueOf(e.kind().name()), e.member(), List.of());
    }
}
