package io.peermesh.discovery;

import io.peermesh.runtime.Loop;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Looks up the headless Service's name every {@code p2p.discovery.dns-interval} (jittered ±20%,
 * so pods started together do not query in lockstep), and at once when asked ({@link #lookupSoon},
 * e.g. after a peer was lost). At most one lookup is in flight; a request during one runs another
 * right after it. Results go to the sink, including failures: the node decides what they mean
 * (a failing DNS never drops live peers).
 *
 * <p>Threading: runs on the node's event loop.
 */
public final class DnsDiscovery {

    private static final Logger LOG = Logger.getLogger(DnsDiscovery.class.getName());

    private static final long ALONE_INTERVAL_MILLIS = 1000;

    private final Loop loop;
    private final AddressResolver resolver;
    private final String name;
    private final int port;
    private final long intervalMillis;
    private final Consumer<LookupResult> sink;
    private final java.util.function.BooleanSupplier alone;

    private long timer = -1;
    private boolean inFlight;
    private boolean again;
    private boolean stopped;
    private LookupStatus lastStatus;

    /**
     * @param alone true while the node has no peer: lookups then repeat every second at most, since
     *              pods started together each see an empty or partial answer at first
     */
    public DnsDiscovery(Loop loop, AddressResolver resolver, String name, int port, Duration interval,
            java.util.function.BooleanSupplier alone, Consumer<LookupResult> sink) {
        this.loop = loop;
        this.resolver = resolver;
        this.name = name;
        this.port = port;
        this.intervalMillis = interval.toMillis();
        this.sink = sink;
        this.alone = alone;
    }

    public void start() {
        lookupNow();
    }

    /** Looks up again now (or right after the lookup in flight). */
    public void lookupSoon() {
        if (stopped) {
            return;
        }
        if (inFlight) {
            again = true;
        } else {
            lookupNow();
        }
    }

    private void lookupNow() {
        cancelTimer();
        inFlight = true;
        resolver.lookup(name, port).onComplete(ar -> {
            inFlight = false;
            if (stopped) {
                return;
            }
            LookupResult result = ar.succeeded() ? ar.result() : LookupResult.failed(String.valueOf(ar.cause()));
            if (result.status() != lastStatus) {
                LookupStatus previous = lastStatus;
                LOG.info(() -> "DNS discovery of " + name + ": " + result.status().label() + " (" + result.detail() + ")"
                        + (previous == null ? "" : ", was " + previous.label()));
                lastStatus = result.status();
            }
            sink.accept(result);
            if (again) {
                again = false;
                lookupNow();
            } else {
                long base = alone.getAsBoolean() ? Math.min(intervalMillis, ALONE_INTERVAL_MILLIS) : intervalMillis;
                long delay = Math.max(50, (long) (base * (0.8 + 0.4 * loop.random().nextDouble())));
                timer = loop.schedule(delay, () -> {
                    timer = -1;
                    lookupNow();
                });
            }
        });
    }

    private void cancelTimer() {
        if (timer >= 0) {
            loop.cancel(timer);
            timer = -1;
        }
    }

    /** Stops looking up and closes the resolver. */
    public void stop() {
        stopped = true;
        cancelTimer();
        resolver.close();
    }

    public boolean timerPending() {
        return timer >= 0;
    }

    public String name() {
        return name;
    }
}
