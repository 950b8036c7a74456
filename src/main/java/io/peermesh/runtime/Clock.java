package io.peermesh.runtime;

/**
 * Time as the core reads it. Timeouts and round trips read {@link #nanoTime()}; timestamps shown
 * to users read {@link #currentTimeMillis()}. Tests and the simulator move it by hand.
 */
public interface Clock {

    long nanoTime();

    long currentTimeMillis();
}
