package io.peermesh.node;

import io.peermesh.node.view.Readiness;
import io.peermesh.node.view.TargetStatus;
import java.util.List;

/**
 * Keeps the node's published {@link Readiness} current: recomputed at once when peers, the
 * lifecycle or DNS change, and for dial-target changes at most once per
 * {@value #TARGET_REFRESH_SPACING_MILLIS} ms.
 *
 * <p>On the node's loop; {@link #readiness} is a published snapshot, readable from any thread.
 */
final class ReadinessTracker {

    static final long TARGET_REFRESH_SPACING_MILLIS = 100;
    /** Gray links named in readiness (the rest are in /node/targets and p2p_link_problems). */
    static final int MAX_LINK_PROBLEMS_SHOWN = 10;

    private final NodeParts n;
    private volatile Readiness readiness = Readiness.STARTING;
    private long refreshTimer = -1;
    private long lastTargetRefreshNanos = Long.MIN_VALUE / 2;
    private volatile long refreshes; // for tests: how often readiness was recomputed ...
    private volatile long targetsWalked; // ... and how many dial targets that visited

    ReadinessTracker(NodeParts parts) {
        this.n = parts;
    }

    /**
     * A dial target changed (a dial failed, a peer was identified, ...). The dialer calls this for
     * every change, e.g. several times per entry of an addr flood as its dials fail; recomputing at
     * once walked every known target each time, quadratic in the addresses one peer can hand over.
     * Targets only explain a node that is not ready, and peers, lifecycle and DNS refresh readiness
     * themselves, so: nothing to do while ready; else at once after a quiet spell, and within a
     * burst at most once every {@value #TARGET_REFRESH_SPACING_MILLIS} ms, however many targets
     * changed meanwhile (the explanation of a node that is not ready then lags that long at most).
     */
    void targetsChanged() {
        if (refreshTimer >= 0 || !n.started || readiness.ready() || n.stopping) {
            return;
        }
        long sinceLast = (n.loop.nanoTime() - lastTargetRefreshNanos) / 1_000_000;
        if (sinceLast >= TARGET_REFRESH_SPACING_MILLIS) {
            refreshForTargets();
            return;
        }
        refreshTimer = n.loop.schedule(TARGET_REFRESH_SPACING_MILLIS - sinceLast, () -> {
            refreshTimer = -1;
            refreshForTargets();
        });
    }

    /** A gray link appeared or went: readiness names them whether ready or not. Rare: at once. */
    void linksChanged() {
        if (n.started && !n.stopping) {
            refresh();
        }
    }

    private void refreshForTargets() {
        lastTargetRefreshNanos = n.loop.nanoTime();
        refresh();
    }

    /** Recomputes readiness now: peers, lifecycle or DNS changed (or targets, once per turn). */
    void refresh() {
        refreshes++;
        readiness = ReadinessReport.of(n.listening, n.stopping, n.table.size(), n.config, this::targets, n.dnsOutcome,
                n.dialer == null ? List.of() : n.dialer.linkProblems(MAX_LINK_PROBLEMS_SHOWN));
    }

    private List<TargetStatus> targets() {
        List<TargetStatus> targets = n.dialer == null ? List.of() : n.dialer.status();
        targetsWalked += targets.size();
        return targets;
    }

    void stop() {
        if (refreshTimer >= 0) {
            n.loop.cancel(refreshTimer);
            refreshTimer = -1;
        }
    }

    Readiness readiness() { return readiness; }
    boolean timerPending() { return refreshTimer >= 0; }
    long refreshes() { return refreshes; }
    long targetsWalked() { return targetsWalked; }
}
