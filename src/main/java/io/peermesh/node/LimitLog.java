package io.peermesh.node;

import java.util.EnumMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One clear log line when a limit bites, but not a flood of them under attack: per limit, at most
 * one line per {@value #QUIET_MILLIS} ms, the next one saying how many were not logged meanwhile.
 * Every hit is counted in metrics regardless. Used on the node's event loop only.
 */
final class LimitLog {

    private static final Logger LOG = Logger.getLogger(LimitLog.class.getName());
    static final long QUIET_MILLIS = 10_000;

    private final NodeClock clock;
    private final Map<Limit, long[]> state = new EnumMap<>(Limit.class); // {last logged at, suppressed}

    LimitLog(NodeClock clock) {
        this.clock = clock;
    }

    void hit(Limit limit, String what) {
        long now = clock.currentTimeMillis();
        long[] s = state.computeIfAbsent(limit, l -> new long[] {Long.MIN_VALUE / 2, 0});
        if (now - s[0] < QUIET_MILLIS) {
            s[1]++;
            return;
        }
        long suppressed = s[1];
        s[0] = now;
        s[1] = 0;
        LOG.warning(() -> "limit " + limit.label() + " (" + limit.key() + "): " + what
                + (suppressed > 0 ? " (" + suppressed + " more since the last such line)" : ""));
    }
}
