package io.peermesh.sim;

import io.peermesh.node.NodeClock;
import io.peermesh.runtime.Loop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * One node's {@link Loop} in virtual time. Timers are simulation events owned by this loop, so a
 * paused node (SIGSTOP) fires nothing until it resumes, and then everything that fell due fires at
 * once, in order; a crashed node's timers vanish. It counts live timers, so a test can prove that a
 * stopped node left none behind.
 */
public final class SimLoop implements Loop, NodeClock {

    private final Simulation sim;
    private final String name;
    private final SplittableRandom random;
    private final Map<Long, Runnable> live = new HashMap<>(); // id -> cancellation marker
    private static final boolean DEBUG = Boolean.getBoolean("sim.debugTimers");
    private final Map<Long, String> origins = new HashMap<>(); // with -Dsim.debugTimers: who set each timer
    private long nextId = 1;
    private boolean paused;
    private boolean crashed;
    private final List<Runnable> held = new ArrayList<>();

    private final int id;

    SimLoop(Simulation sim, String name, SplittableRandom random, int id) {
        this.id = id;
        this.sim = sim;
        this.name = name;
        this.random = random;
    }

    @Override
    public long nanoTime() {
        return sim.nowNanos();
    }

    @Override
    public long currentTimeMillis() {
        return Simulation.EPOCH_MILLIS + sim.nowMillis();
    }

    private void origin(long id) {
        if (DEBUG) {
            origins.put(id, StackWalker.getInstance().walk(f -> f.skip(2).limit(3).map(Object::toString)
                    .reduce((a, b) -> a + " < " + b).orElse("?")));
        }
    }

    /** With -Dsim.debugTimers: where the live timers were set. */
    public java.util.List<String> liveTimerOrigins() {
        return live.keySet().stream().map(id -> origins.getOrDefault(id, "?")).toList();
    }

    @Override
    public long schedule(long delayMillis, Runnable task) {
        long id = nextId++;
        origin(id);
        Runnable marker = task;
        live.put(id, marker);
        sim.at(sim.nowNanos() + Math.max(1, delayMillis) * 1_000_000L, this, () -> {
            if (live.remove(id) == marker) {
                sim.record(id);
                task.run();
            }
        });
        return id;
    }

    @Override
    public long periodic(long intervalMillis, Runnable task) {
        long id = nextId++;
        origin(id);
        Runnable marker = task;
        live.put(id, marker);
        schedulePeriodic(id, marker, Math.max(1, intervalMillis), task);
        return id;
    }

    private void schedulePeriodic(long id, Runnable marker, long intervalMillis, Runnable task) {
        sim.at(sim.nowNanos() + intervalMillis * 1_000_000L, this, () -> {
            if (live.get(id) == marker) {
                sim.record(id);
                task.run();
                if (live.get(id) == marker) {
                    schedulePeriodic(id, marker, intervalMillis, task);
                }
            }
        });
    }

    @Override
    public boolean cancel(long timerId) {
        return live.remove(timerId) != null;
    }

    @Override
    public void execute(Runnable task) {
        sim.at(sim.nowNanos(), this, task);
    }

    @Override
    public boolean onLoop() {
        return sim.current() == this;
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    /** Timers set and neither fired nor cancelled. */
    public int liveTimers() {
        return live.size();
    }

    boolean paused() {
        return paused;
    }

    boolean crashed() {
        return crashed;
    }

    void hold(Runnable task) {
        held.add(task);
    }

    /** SIGSTOP: nothing of this node runs until {@link #resume}. */
    void pause() {
        paused = true;
    }

    /** SIGCONT: what fell due meanwhile runs now, in order. */
    void resume() {
        paused = false;
        List<Runnable> due = new ArrayList<>(held);
        held.clear();
        sim.release(this, due);
    }

    /** kill -9: nothing of this node ever runs again. */
    void crash() {
        crashed = true;
        held.clear();
        live.clear();
    }

    int id() {
        return id;
    }

    String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
