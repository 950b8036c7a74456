package io.peermesh.node.dial;

import io.peermesh.node.view.TargetStatus;
import io.peermesh.wire.HostPort;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The table of the addresses the dialer knows: one {@link DialTarget} per address, in the order they
 * became known, and the published count of them. It decides nothing; {@link Dialer} does.
 *
 * <p>Threading: every method runs on the node's event loop, except {@link #size()}, which is safe
 * from any thread (the metrics scrape).
 */
public final class DialTargets implements Iterable<DialTarget> {

    private final Map<HostPort, DialTarget> targets = new LinkedHashMap<>();
    private volatile int knownCount;
    /**
     * Targets dialling or handshaking now, kept as they move ({@link #move}): every offer asks it,
     * and counting by walking the table made a DNS answer of N addresses cost N^2 (10,000-node
     * simulation: hours in one lookup).
     */
    private int inFlight;

    DialTarget get(HostPort address) {
        return targets.get(address);
    }

    boolean contains(HostPort address) {
        return targets.containsKey(address);
    }

    void add(DialTarget t) {
        forget(targets.put(t.address, t));
        if (t.inFlight()) {
            inFlight++;
        }
        knownCount = targets.size();
    }

    DialTarget computeIfAbsent(HostPort address, Function<HostPort, DialTarget> create) {
        DialTarget t = targets.computeIfAbsent(address, create);
        knownCount = targets.size();
        return t;
    }

    void remove(HostPort address) {
        forget(targets.remove(address));
        knownCount = targets.size();
    }

    private void forget(DialTarget t) {
        if (t != null && t.inFlight()) {
            inFlight--;
        }
    }

    /** Every change of a target's state goes through here, so the in-flight count stays exact. */
    void move(DialTarget t, DialTarget.State next) {
        boolean was = t.inFlight();
        t.state = next;
        boolean is = t.inFlight();
        if (was != is && targets.get(t.address) == t) {
            inFlight += is ? 1 : -1;
        }
    }

    /** The targets in table order; the iterator's {@code remove} forgets the target. */
    @Override
    public Iterator<DialTarget> iterator() {
        Iterator<DialTarget> it = targets.values().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            private DialTarget last;

            @Override
            public DialTarget next() {
                return last = it.next();
            }

            @Override
            public void remove() {
                it.remove();
                forget(last);
                knownCount = targets.size();
            }
        };
    }

    /** A copy of the targets in table order, for walks that may change the table. */
    List<DialTarget> snapshot() {
        return List.copyOf(targets.values());
    }

    /** Addresses known, connected or not; a published count, safe from any thread (the metrics scrape). */
    int size() {
        return knownCount;
    }

    int inFlightCount() {
        return inFlight;
    }

    /** True when the DNS name lists this address: every node of the mesh reads the same list. */
    boolean listedByDns(HostPort address) {
        DialTarget t = address == null ? null : targets.get(address);
        return t != null && t.sources.contains(DialTarget.Source.DNS);
    }

    /** Targets with their state and problem, for readiness and diagnostics. */
    List<TargetStatus> status() {
        List<TargetStatus> out = new ArrayList<>(targets.size());
        for (DialTarget t : targets.values()) {
            out.add(new TargetStatus(t.address.toString(), sourcesLabel(t), t.state.name().toLowerCase(),
                    t.nodeId, t.failures, t.problem, t.link == null ? null : t.link.label()));
        }
        return out;
    }

    private static String sourcesLabel(DialTarget t) {
        StringBuilder b = new StringBuilder();
        for (DialTarget.Source s : t.sources) {
            b.append(b.length() == 0 ? "" : "+").append(s.name().toLowerCase());
        }
        return b.length() == 0 ? "none" : b.toString();
    }

    /** Re-dial and probe timers armed now. */
    int pendingTimers() {
        int n = 0;
        for (DialTarget t : targets.values()) {
            if (t.timerId >= 0) {
                n++;
            }
            if (t.probeTimerId >= 0) {
                n++;
            }
        }
        return n;
    }
}
