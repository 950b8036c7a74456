package io.peermesh.members;

import io.peermesh.runtime.Listeners;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The node's member events in order, the last {@value #HISTORY} of them kept so that a stream
 * client that reconnects with the id of the last event it saw gets exactly what it missed (no gap,
 * no duplicate), or a fresh snapshot when those events are gone. On the node's loop only; listeners
 * are called there, in order, and must only hand the event on (a slow client is the stream's
 * business, never the node's).
 */
public final class MemberEvents {

    /** Events kept for reconnecting clients: a few minutes of churn in a large mesh. */
    public static final int HISTORY = 1024;

    private static final Logger LOG = Logger.getLogger(MemberEvents.class.getName());

    public interface Listener {
        void onEvent(MemberEvent event);
    }

    /**
     * What a new subscriber gets first: either {@code snapshot} (the member list as of event
     * {@code lastId}) or, for a client resuming, the {@code missed} events (snapshot null).
     */
    public record Catchup(List<Member> snapshot, String lastId, List<MemberEvent> missed) {
    }

    private final String run;
    private final ArrayDeque<MemberEvent> history = new ArrayDeque<>();
    private final Listeners<Listener> listeners = new Listeners<>(LOG, "member event listener");
    private long seq;

    public MemberEvents(String nodeId) {
        this.run = nodeId.length() > 8 ? nodeId.substring(0, 8) : nodeId;
    }

    MemberEvent emit(MemberEventKind kind, Member member, long nowMillis) {
        MemberEvent event = new MemberEvent(run, ++seq, kind, member, nowMillis);
        if (history.size() == HISTORY) {
            history.removeFirst();
        }
        history.addLast(event);
        listeners.forEach(l -> l.onEvent(event));
        return event;
    }

    /**
     * Registers {@code listener} for every event after what it gets now. {@code lastEventId} is
     * what a resuming client last saw (null for a new one).
     */
    public Catchup subscribe(String lastEventId, Supplier<List<Member>> snapshot, Listener listener) {
        listeners.add(listener);
        long after = resumePoint(lastEventId);
        if (after < 0) {
            return new Catchup(snapshot.get(), lastId(), List.of());
        }
        List<MemberEvent> missed = new ArrayList<>();
        for (MemberEvent e : history) {
            if (e.seq() > after) {
                missed.add(e);
            }
        }
        return new Catchup(null, lastId(), missed);
    }

    public void unsubscribe(Listener listener) {
        listeners.remove(listener);
    }

    /** The seq after which a client with this last id can resume, or -1 when it needs a snapshot. */
    private long resumePoint(String lastEventId) {
        if (lastEventId == null) {
            return -1;
        }
        int dash = lastEventId.lastIndexOf('-');
        if (dash <= 0 || !lastEventId.substring(0, dash).equals(run)) {
            return -1; // another run of this node, or not an id of ours
        }
        long last;
        try {
            last = Long.parseLong(lastEventId.substring(dash + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
        long oldest = history.isEmpty() ? seq + 1 : history.getFirst().seq();
        // Resumable if nothing after `last` has been forgotten, and `last` is not from the future.
        return last > seq || last < oldest - 1 ? -1 : last;
    }

    /** The id of the newest event; {@code <run>-0} before the first. */
    public String lastId() {
        return run + "-" + seq;
    }

}
