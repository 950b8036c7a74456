package io.peermesh.runtime;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Listeners called in the order they registered, on the node's loop. One that throws is removed
 * and logged: a broken listener must stop neither the node nor the other listeners.
 */
public final class Listeners<L> {

    private final Set<L> listeners = new LinkedHashSet<>();
    private final Logger log;
    private final String what;

    /** @param what names the listeners in the log line, e.g. "member event listener" */
    public Listeners(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    public void add(L listener) {
        listeners.add(listener);
    }

    public void remove(L listener) {
        listeners.remove(listener);
    }

    /** Calls {@code call} for each listener (those added meanwhile wait for the next call). */
    public void forEach(Consumer<L> call) {
        for (L l : List.copyOf(listeners)) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                listeners.remove(l);
                log.log(Level.WARNING, what + " failed and was removed", e);
            }
        }
    }
}
