package io.peermesh.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes over {@code POST /broadcast} of an {@link AppProcess}: a burst of a fixed count with a
 * bounded number of requests in flight, or a steady rate from a 10 ms timer. Every payload carries
 * {@code "t":<System.nanoTime()>} at send, which {@link SseClient} turns into a latency.
 *
 * <p>Threading: the counters are atomics (completions arrive on the HTTP client's event loops).
 */
final class SsePublisher {

    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** Ticks of the steady publisher that skipped sends because too many were in flight. */
    final AtomicLong skipped = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AppProcess app;
    private final String pad;
    private volatile long lastDoneNanos;

    SsePublisher(AppProcess app, int padBytes) {
        this.app = app;
        this.pad = "x".repeat(padBytes);
    }

    private Future<Integer> one() {
        inFlight.incrementAndGet();
        String payload = "{\"t\":" + System.nanoTime() + ",\"pad\":\"" + pad + "\"}";
        return app.broadcast("bench", payload).andThen(ar -> {
            inFlight.decrementAndGet();
            lastDoneNanos = System.nanoTime();
            if (ar.failed()) {
                failed.incrementAndGet();
            } else if (ar.result() == 202) {
                accepted.incrementAndGet();
            } else {
                refused.incrementAndGet();
            }
        });
    }

    long lastDoneNanos() {
        return lastDoneNanos;
    }

    /** Sends {@code total} with at most {@code window} in flight; completes when all were answered. */
    Future<Void> burst(int total, int window) {
        Promise<Void> done = Promise.promise();
        AtomicInteger issued = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (issued.incrementAndGet() > total) {
                return;
            }
            one().onComplete(ar -> {
                if (answered.incrementAndGet() == total) {
                    done.complete();
                } else {
                    next[0].run();
                }
            });
        };
        for (int i = 0; i < Math.min(window, total); i++) {
            next[0].run();
        }
        return done.future();
    }

    /** Sends {@code perSecond} a second (in 10 ms ticks) until the returned timer is cancelled. */
    long steady(Vertx vertx, int perSecond, int maxInFlight) {
        int perTick = Math.max(1, perSecond / 100);
        return vertx.setPeriodic(10, id -> {
            for (int i = 0; i < perTick; i++) {
                if (inFlight.get() >= maxInFlight) {
                    skipped.incrementAndGet();
                    return;
                }
                one();
            }
        });
    }
}
