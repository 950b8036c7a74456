package io.peermesh.runtime;

import java.util.random.RandomGenerator;

/**
 * The one thread of control a node runs on, and everything the protocol core takes from its
 * environment besides bytes: time, timers and randomness. The core never reads a clock, sets a
 * timer or draws a random number any other way, so the same code runs on Vert.x (one event loop per
 * node) and in the simulator (virtual time, one seed for a whole cluster), where a run is replayed
 * exactly.
 *
 * <p>Threading: every callback runs on the loop, one at a time; {@link #execute} is the only method
 * that may be called from another thread.
 */
public interface Loop extends Clock {

    /** Runs {@code task} once, {@code delayMillis} (at least 1) from now; returns an id for {@link #cancel}. */
    long schedule(long delayMillis, Runnable task);

    /** Runs {@code task} every {@code intervalMillis}, first one interval from now. */
    long periodic(long intervalMillis, Runnable task);

    /** Cancels a timer; true if it had not fired (a periodic one never fires again). */
    boolean cancel(long timerId);

    /** Runs {@code task} on the loop soon; callable from any thread. */
    void execute(Runnable task);

    /** True when the caller is on this loop. */
    boolean onLoop();

    /** The node's randomness: seeded per node in the simulator, unpredictable in production. */
    RandomGenerator random();
}
