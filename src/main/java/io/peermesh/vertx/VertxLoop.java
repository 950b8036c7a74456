package io.peermesh.vertx;

import io.peermesh.runtime.Clock;
import io.peermesh.runtime.Loop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.random.RandomGenerator;

/**
 * {@link Loop} on a Vert.x event-loop context: timers are Vert.x timers (which fire on the context
 * that set them, the node verticle's), time comes from the injected clock, and randomness from a
 * generator seeded unpredictably once per node.
 */
public final class VertxLoop implements Loop {

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final RandomGenerator random;

    public VertxLoop(Vertx vertx, Context context, Clock clock, RandomGenerator random) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.random = random;
    }

    @Override
    public long nanoTime() {
        return clock.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return clock.currentTimeMillis();
    }

    @Override
    public long schedule(long delayMillis, Runnable task) {
        return vertx.setTimer(Math.max(1, delayMillis), id -> task.run());
    }

    @Override
    public long periodic(long intervalMillis, Runnable task) {
        return vertx.setPeriodic(Math.max(1, intervalMillis), id -> task.run());
    }

    @Override
    public boolean cancel(long timerId) {
        return vertx.cancelTimer(timerId);
    }

    @Override
    public void execute(Runnable task) {
        if (onLoop()) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    @Override
    public boolean onLoop() {
        return Vertx.currentContext() == context;
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    public Context context() {
        return context;
    }
}
