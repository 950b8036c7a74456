package io.peermesh.node.rtt;

import io.peermesh.node.view.RttSample;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@value #CAPACITY} round trips to one peer, each with the wall-clock time of its pong:
 * at the default 2 s interval about 8.5 minutes of a link's history, for {@code GET
 * /peers/{nodeid}/rtt}. The benchmark reads its samples here rather than from a log line per
 * round trip: formatting and writing that line on the event loop cost more than the round trip
 * itself (issue #16: logged, two idle nodes reported a p50 of 0.6-0.9 ms; not logged, 0.1 ms).
 *
 * <p>Two parallel arrays of primitives, 4 KiB per peer, allocated with the connection. Not thread
 * safe: owned by the connection's loop.
 */
public final class RttHistory {

    static final int CAPACITY = 256;

    private final long[] atMillis = new long[CAPACITY];
    private final long[] rttNanos = new long[CAPACITY];
    private int next;
    private int size;

    void add(long nowMillis, long rtt) {
        atMillis[next] = nowMillis;
        rttNanos[next] = rtt;
        next = (next + 1) % CAPACITY;
        size = Math.min(CAPACITY, size + 1);
    }

    /** Oldest first. */
    List<RttSample> samples() {
        List<RttSample> out = new ArrayList<>(size);
        int first = (next - size + CAPACITY) % CAPACITY;
        for (int i = 0; i < size; i++) {
            int slot = (first + i) % CAPACITY;
            out.add(new RttSample(java.time.Instant.ofEpochMilli(atMillis[slot]).toString(),
                    Math.round(rttNanos[slot] / 1_000.0) / 1_000.0));
        }
        return out;
    }
}
