package io.peermesh.node;

/**
 * The node's only source of time. Timeouts and round trips read {@link #nanoTime()}; timestamps
 * shown to users read {@link #currentTimeMillis()}. Tests inject a clock they move by hand.
 */
public interface NodeClock extends io.peermesh.runtime.Clock {

    NodeClock SYSTEM = new NodeClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };
}
