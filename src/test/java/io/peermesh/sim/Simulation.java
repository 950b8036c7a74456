package io.peermesh.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * A deterministic discrete-event simulation: one virtual clock, one queue of events ordered by
 * (time, sequence number), one thread. Every node's loop ({@link SimLoop}) and the simulated
 * network ({@link SimNetwork}) put their work here, and all randomness derives from one seed, so
 * the same seed and code give the same run, event for event, on any machine under any load. A
 * running hash of what happened ({@link #traceHash}) proves it.
 *
 * <p>Not thread-safe: the whole simulation, tests included, runs on the caller's thread.
 */
public final class Simulation {

    /** Virtual time starts here (an arbitrary instant) so wall-clock-looking timestamps read sensibly. */
    static final long EPOCH_MILLIS = 1_800_000_000_000L;

    private record Event(long atNanos, long seq, SimLoop owner, Runnable task) {
    }

    private final long seed;
    private final SplittableRandom random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.atNanos != b.atNanos
            ? Long.compare(a.atNanos, b.atNanos) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;
    private long executed;
    private long trace = 0xcbf29ce484222325L; // FNV-1a offset basis
    private SimLoop current;
    private Chooser chooser;

    /**
     * Picks which of several events due at the same instant runs first. Without one, the order
     * they were queued in decides; with one, a test can explore every interleaving
     * ({@code CrossingDialsSimTest}).
     */
    public interface Chooser {
        /** Index of the event to run among {@code count} (at least 2) due at {@code atNanos}. */
        int choose(int count, long atNanos);
    }

    public void chooser(Chooser c) {
        chooser = c;
    }
    private final List<SimLoop> loops = new ArrayList<>();

    public Simulation(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public long seed() {
        return seed;
    }

    public long nowNanos() {
        return now;
    }

    public long nowMillis() {
        return now / 1_000_000;
    }

    /** A generator for one component, derived from the seed in creation order (so: deterministic). */
    SplittableRandom split() {
        return random.split();
    }

    /** The network's own randomness (latencies): one stream, drawn in event order. */
    SplittableRandom random() {
        return random;
    }

    SimLoop newLoop(String name) {
        SimLoop loop = new SimLoop(this, name, random.split(), loops.size() + 1);
        loops.add(loop);
        return loop;
    }

    /** Queues {@code task} at virtual time {@code atNanos} for {@code owner} (null: the network). */
    void at(long atNanos, SimLoop owner, Runnable task) {
        queue.add(new Event(Math.max(atNanos, now), seq++, owner, task));
    }

    SimLoop current() {
        return current;
    }

    /** Mixes a fact into the trace hash (FNV-1a over the value's bits). */
    void record(long value) {
        for (int i = 0; i < 8; i++) {
            trace ^= (value >>> (i * 8)) & 0xff;
            trace *= 0x100000001b3L;
        }
    }

    void record(String s) {
        record(s.hashCode());
    }

    /** The hash of everything that happened so far: the same for the same seed and code. */
    public long traceHash() {
        return trace;
    }

    public long eventsExecuted() {
        return executed;
    }

    /** Runs events until virtual time {@code untilNanos} (events at that time included). */
    public void runUntil(long untilNanos) {
        while (!queue.isEmpty() && queue.peek().atNanos <= untilNanos) {
            step();
        }
        now = Math.max(now, untilNanos);
    }

    public void runFor(java.time.Duration d) {
        runUntil(now + d.toNanos());
    }

    /**
     * Runs until {@code condition} holds (checked after every event) or {@code limit} of virtual time
     * passed; returns whether it holds. Bounded: virtual time always advances.
     */
    public boolean runUntil(BooleanSupplier condition, java.time.Duration limit) {
        long end = now + limit.toNanos();
        if (condition.getAsBoolean()) {
            return true;
        }
        while (!queue.isEmpty() && queue.peek().atNanos <= end) {
            step();
            if (condition.getAsBoolean()) {
                return true;
            }
        }
        now = Math.max(now, end);
        return condition.getAsBoolean();
    }

    private void step() {
        Event e = queue.poll();
        if (chooser != null && e.owner != null && !queue.isEmpty() && queue.peek().atNanos == e.atNanos) {
            // Several nodes have work due at this instant: which node goes first is the choice. The
            // network's own events (routing a segment) touch no node and go first; one node's events
            // keep their order (a loop runs its tasks in order).
            List<Event> tied = new ArrayList<>();
            tied.add(e);
            while (!queue.isEmpty() && queue.peek().atNanos == e.atNanos) {
                tied.add(queue.poll());
            }
            Event network = tied.stream().filter(t -> t.owner == null).findFirst().orElse(null);
            if (network != null) {
                e = network;
            } else {
                List<Event> firstOfEach = new ArrayList<>();
                for (Event t : tied) {
                    if (firstOfEach.stream().noneMatch(f -> f.owner == t.owner)) {
                        firstOfEach.add(t);
                    }
                }
                e = firstOfEach.size() == 1 ? firstOfEach.get(0) : firstOfEach.get(chooser.choose(firstOfEach.size(), e.atNanos));
            }
            tied.remove(e);
            queue.addAll(tied); // they keep their sequence numbers: the relative order of the rest holds
        }
        now = e.atNanos;
        if (e.owner != null && e.owner.paused()) {
            e.owner.hold(e.task); // a stopped process runs nothing: its work waits for SIGCONT
            return;
        }
        if (e.owner != null && e.owner.crashed()) {
            return; // the process is gone: its timers and deliveries vanish
        }
        current = e.owner;
        executed++;
        record(e.atNanos ^ (e.owner == null ? 0 : e.owner.id() * 0x9e3779b97f4a7c15L)); // who ran, when: the order shows
        try {
            e.task.run();
        } finally {
            current = null;
        }
    }

    /** Requeues work a paused loop held, at the current time, in the order it was held. */
    void release(SimLoop owner, List<Runnable> held) {
        for (Runnable r : held) {
            at(now, owner, r);
        }
    }

    public int pendingEvents() {
        return queue.size();
    }

    /** The one line that replays this run: print it when a check fails. */
    public String replayHint(String test) {
        return "replay: -Dsim.seed=" + seed + " (" + test + ")";
    }
}
