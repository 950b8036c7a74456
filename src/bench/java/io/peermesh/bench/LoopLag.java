package io.peermesh.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Event-loop lag: a 5 ms timer on every event loop of a Vert.x, recording how late it fires. A
 * loop that is seconds late delays pongs by as much, and peers then time out.
 */
final class LoopLag {

    private static final long PERIOD_MS = 5;

    private final Vertx vertx;
    private final List<Context> contexts = new ArrayList<>();
    private final List<long[]> timers = new ArrayList<>();
    final AtomicLong maxLagNanos = new AtomicLong();
    final LongAdder over100ms = new LongAdder();
    final LongAdder over1s = new LongAdder();

    LoopLag(Vertx vertx, int loops) {
        this.vertx = vertx;
        for (int i = 0; i < loops; i++) {
            contexts.add(Loops.newContext(vertx));
        }
    }

    void start() {
        maxLagNanos.set(0);
        over100ms.reset();
        over1s.reset();
        for (Context c : contexts) {
            long[] state = {System.nanoTime(), -1};
            timers.add(state);
            c.runOnContext(v -> state[1] = vertx.setPeriodic(PERIOD_MS, id -> {
                long now = System.nanoTime();
                long lag = now - state[0] - PERIOD_MS * 1_000_000;
                state[0] = now;
                if (lag > 100_000_000) {
                    over100ms.increment();
                }
                if (lag > 1_000_000_000) {
                    over1s.increment();
                }
                maxLagNanos.accumulateAndGet(lag, Math::max);
            }));
        }
    }

    Map<String, Object> stop() {
        for (long[] t : timers) {
            if (t[1] >= 0) {
                vertx.cancelTimer(t[1]);
            }
        }
        timers.clear();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxEventLoopLagMillis", maxLagNanos.get() / 1e6);
        m.put("lagsOver100ms", over100ms.sum());
        m.put("lagsOver1s", over1s.sum());
        return m;
    }
}
