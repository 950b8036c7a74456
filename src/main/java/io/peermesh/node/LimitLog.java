package io.peermesh.node;

import io.peermesh.node.events.Limit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One clear log line when a limit bites, naming the config key, but not a flood of them under
 * attack: per limit, at most one line per {@value QuietLog#QUIET_MILLIS} ms (see {@link QuietLog}).
 * Every hit is counted in metrics regardless. Used on the node's event loop only.
 */
final class LimitLog {

    private final QuietLog lines;

    LimitLog(io.peermesh.runtime.Clock clock) {
        this.lines = new QuietLog(Logger.getLogger(LimitLog.class.getName()), clock);
    }

    void hit(Limit limit, String what) {
        lines.log(Level.WARNING, limit, () -> "limit " + limit.label() + " (" + limit.key() + "): " + what);
    }
}
