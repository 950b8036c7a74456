package io.peermesh.node;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * IPs that broke the protocol, refused for a while (Bitcoin Core "discourages" such peers the
 * same way). Bounded: the oldest entries go first when full.
 *
 * <p>Used on the node's event loop only.
 */
final class CoolingOff {

    static final int MAX_ENTRIES = 4096;

    private final long durationNanos;
    private final Map<String, Long> until = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    CoolingOff(java.time.Duration duration) {
        this.durationNanos = duration.toNanos();
    }

    void misbehaved(String ip, long nowNanos) {
        if (durationNanos > 0) {
            until.remove(ip);
            until.put(ip, nowNanos + durationNanos);
        }
    }

    boolean refuses(String ip, long nowNanos) {
        Long end = until.get(ip);
        if (end == null) {
            return false;
        }
        if (nowNanos - end >= 0) {
            until.remove(ip);
            return false;
        }
        return true;
    }

    int size() {
        return until.size();
    }
}
