package io.peermesh.node;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log lines about what arrives on the peer port, rate limited so that a flood of it cannot flood
 * the log: per key (a limit, a protocol error, a handshake timeout) at most one line per
 * {@value #QUIET_MILLIS} ms, the next one saying how many were not logged meanwhile. Metrics
 * count every event regardless; the log only has to say that it happens and what it looks like.
 *
 * <p>Keys are enum constants, so the state is bounded. Used on the node's event loop only; time
 * comes from the node's clock, so tests can move it.
 */
final class QuietLog {

    static final long QUIET_MILLIS = 10_000;

    private final Logger log;
    private final io.peermesh.runtime.Clock clock;
    private final Map<Object, long[]> state = new HashMap<>(); // key -> {last logged at, not logged since}

    QuietLog(Logger log, io.peermesh.runtime.Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Logs the line unless a line of this key was logged within the quiet period; returns whether it did. */
    boolean log(Level level, Object key, Supplier<String> line) {
        long now = clock.currentTimeMillis();
        long[] s = state.computeIfAbsent(key, k -> new long[] {Long.MIN_VALUE / 2, 0});
        if (now - s[0] < QUIET_MILLIS) {
            s[1]++;
            return false;
        }
        long suppressed = s[1];
        s[0] = now;
        s[1] = 0;
        log.log(level, () -> line.get() + (suppressed > 0 ? " (" + suppressed + " more since the last such line)" : ""));
        return true;
    }
}
