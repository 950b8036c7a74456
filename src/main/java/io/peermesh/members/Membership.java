package io.peermesh.members;

import io.peermesh.runtime.Loop;
import io.peermesh.wire.Metadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The members this node knows and their states, and the events their changes make.
 *
 * <p>Today a member is known through a direct link (a full mesh: every node links to every other
 * up to {@code max-peers}). A link that completes a handshake makes the member {@code alive}; a
 * link closed with {@code bye} makes it {@code left} at once; any other close makes it
 * {@code suspect}, and {@code dead} if no link to it comes back within the suspicion timeout (a
 * re-dial after a dropped connection normally takes a second or two; a dead process's id never
 * returns, since ids are per run). Dead and left records are kept for the retention time, so that
 * every client sees them go, then forgotten. Metadata carries an incarnation only its owner raises;
 * the highest one wins.
 *
 * <p>On the node's loop only (timers from the {@link Loop}).
 */
public final class Membership {

    /** What the links know about a member right now. */
    public interface Links {
        /** Smoothed RTT of the link to {@code nodeId} in ms, or null (no link, no pong yet). */
        Double rttMillis(String nodeId);

        /** Wall-clock millis when the link to {@code nodeId} last proved it alive, or -1 without a link. */
        long lastHeardMillis(String nodeId);
    }

    /** Receives the outcome of each suspicion (for metrics). */
    public interface Outcomes {
        void suspicionEnded(boolean confirmed);
    }

    private static final class Record {
        final String nodeId;
        String addr;
        MemberState state = MemberState.ALIVE;
        long incarnation;
        Metadata metadata = Metadata.EMPTY;
        long heardMillis;
        boolean direct;
        long timer = -1;

        Record(String nodeId) {
            this.nodeId = nodeId;
        }
    }

    private final Loop loop;
    private final Links links;
    private final Outcomes outcomes;
    private final long suspicionMillis;
    private final long retentionMillis;
    private final Record self;
    private final Map<String, Record> records = new LinkedHashMap<>(); // ordered: a seed replays exactly
    private final MemberEvents events;
    private volatile Map<MemberState, Integer> counts = Map.of();
    private boolean stopped;

    public Membership(String selfId, String selfAddr, Metadata metadata, Loop loop, Links links, Outcomes outcomes,
                      long suspicionMillis, long retentionMillis) {
        this.loop = loop;
        this.links = links;
        this.outcomes = outcomes;
        this.suspicionMillis = suspicionMillis;
        this.retentionMillis = retentionMillis;
        this.events = new MemberEvents(selfId);
        this.self = new Record(selfId);
        self.addr = selfAddr;
        self.metadata = metadata;
        recount();
    }

    /** A handshake with {@code nodeId} completed (hello's listen address, incarnation, metadata). */
    public void linked(String nodeId, String addr, long incarnation, Metadata metadata) {
        Record r = records.get(nodeId);
        long now = loop.currentTimeMillis();
        if (r == null) {
            r = new Record(nodeId);
            records.put(nodeId, r);
            apply(r, addr, incarnation, metadata);
            r.direct = true;
            r.heardMillis = now;
            emit(MemberEventKind.JOINED, r);
            return;
        }
        cancelTimer(r);
        MemberState was = r.state;
        boolean changed = apply(r, addr, incarnation, metadata);
        r.state = MemberState.ALIVE;
        r.direct = true;
        r.heardMillis = now;
        switch (was) {
            case SUSPECT -> {
                outcomes.suspicionEnded(false);
                emit(MemberEventKind.ALIVE, r);
            }
            case DEAD, LEFT -> emit(MemberEventKind.JOINED, r); // back after all: news to everyone
            case ALIVE -> {
                if (changed) {
                    emit(MemberEventKind.UPDATED, r);
                }
            }
        }
    }

    /** {@code nodeId} announced new metadata under {@code incarnation}; older news is ignored. */
    public void metadata(String nodeId, long incarnation, Metadata metadata) {
        Record r = records.get(nodeId);
        if (r != null && r.state == MemberState.ALIVE && incarnation > r.incarnation) {
            r.incarnation = incarnation;
            if (!r.metadata.equals(metadata)) {
                r.metadata = metadata;
                emit(MemberEventKind.UPDATED, r);
            }
        }
    }

    /**
     * The link to {@code nodeId} closed: with {@code bye} it left, otherwise it is suspected.
     * {@code lastHeardMillis}: when that link last proved the member alive.
     */
    public void unlinked(String nodeId, boolean bye, long lastHeardMillis) {
        Record r = records.get(nodeId);
        if (r == null || r.state != MemberState.ALIVE || stopped) {
            return; // a stopping node closes every link: that says nothing about the members
        }
        r.direct = false;
        r.heardMillis = Math.max(r.heardMillis, lastHeardMillis);
        if (bye) {
            r.state = MemberState.LEFT;
            emit(MemberEventKind.LEFT, r);
            r.timer = loop.schedule(retentionMillis, () -> forget(r));
            return;
        }
        r.state = MemberState.SUSPECT;
        emit(MemberEventKind.SUSPECT, r);
        r.timer = loop.schedule(suspicionMillis, () -> {
            r.timer = -1;
            r.state = MemberState.DEAD;
            outcomes.suspicionEnded(true);
            emit(MemberEventKind.DEAD, r);
            r.timer = loop.schedule(retentionMillis, () -> forget(r));
        });
    }

    /** Where this node listens, once it does. */
    public void advertised(String addr) {
        self.addr = addr;
    }

    /** Replaces this node's own metadata; returns the new incarnation to announce with it. */
    public long setOwnMetadata(Metadata metadata) {
        self.incarnation++;
        self.metadata = metadata;
        emit(MemberEventKind.UPDATED, self);
        return self.incarnation;
    }

    public Metadata ownMetadata() {
        return self.metadata;
    }

    public long ownIncarnation() {
        return self.incarnation;
    }

    /** Every known member, this node first. */
    public List<Member> members() {
        List<Member> out = new ArrayList<>(records.size() + 1);
        out.add(view(self));
        for (Record r : records.values()) {
            out.add(view(r));
        }
        return out;
    }

    public MemberEvents events() {
        return events;
    }

    /** Members per state, this node included; safe from any thread. */
    public Map<MemberState, Integer> counts() {
        return counts;
    }

    /** Suspicion and retention timers pending: 0 after {@link #stop()}. */
    public int pendingTimers() {
        int n = 0;
        for (Record r : records.values()) {
            n += r.timer >= 0 ? 1 : 0;
        }
        return n;
    }

    public void stop() {
        stopped = true;
        for (Record r : records.values()) {
            cancelTimer(r);
        }
    }

    private void forget(Record r) {
        r.timer = -1;
        records.remove(r.nodeId);
        recount();
    }

    /** Takes the hello's data if it is at least as new as what we have; true if addr or metadata changed. */
    private static boolean apply(Record r, String addr, long incarnation, Metadata metadata) {
        boolean changed = false;
        if (addr != null && !addr.equals(r.addr)) {
            r.addr = addr;
            changed = true;
        }
        if (incarnation >= r.incarnation) {
            r.incarnation = incarnation;
            if (!r.metadata.equals(metadata)) {
                r.metadata = metadata;
                changed = true;
            }
        }
        return changed;
    }

    private void emit(MemberEventKind kind, Record r) {
        recount();
        events.emit(kind, view(r), loop.currentTimeMillis());
    }

    private void cancelTimer(Record r) {
        if (r.timer >= 0) {
            loop.cancel(r.timer);
            r.timer = -1;
        }
    }

    private void recount() {
        Map<MemberState, Integer> c = new EnumMap<>(MemberState.class);
        c.put(MemberState.ALIVE, 1); // this node
        for (Record r : records.values()) {
            c.merge(r.state, 1, Integer::sum);
        }
        counts = Map.copyOf(c);
    }

    private Member view(Record r) {
        boolean isSelf = r == self;
        long heard = isSelf ? loop.currentTimeMillis()
                : r.direct ? Math.max(r.heardMillis, links.lastHeardMillis(r.nodeId)) : r.heardMillis;
        return new Member(r.nodeId, r.addr, r.state.label(), r.incarnation, Instant.ofEpochMilli(heard).toString(),
                r.direct, r.direct ? links.rttMillis(r.nodeId) : null, r.metadata.asMap(), isSelf);
    }
}
