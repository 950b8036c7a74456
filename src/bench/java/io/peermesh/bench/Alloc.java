package io.peermesh.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/** Bytes allocated by all live threads (HotSpot's per-thread TLAB accounting). */
final class Alloc {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> before;

    private Alloc(Map<Long, Long> before) {
        this.before = before;
    }

    static Alloc start() {
        return new Alloc(snapshot());
    }

    /** Bytes allocated since {@link #start} by threads alive now (threads that died meanwhile are lost). */
    long bytes() {
        long total = 0;
        for (Map.Entry<Long, Long> e : snapshot().entrySet()) {
            total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return total;
    }

    private static Map<Long, Long> snapshot() {
        long[] ids = THREADS.getAllThreadIds();
        long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        Map<Long, Long> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                m.put(ids[i], bytes[i]);
            }
        }
        return m;
    }
}
