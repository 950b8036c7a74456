package io.peermesh.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One member process of a system under test in the process section ({@link ProcessBench}), and the
 * latest view it reported: the ids of the members it sees, itself included, and since when (epoch
 * ms) it has seen exactly that set. A new view with the same members (a new JGroups view id, a
 * listener called twice) is not a change.
 *
 * <p>Threading: the view is one immutable record in a volatile field, written by the member's
 * stdout reader (competitors) or by the poll's HTTP callbacks (peermesh), read by the bench thread.
 * Signals go to this process' PID only.
 */
abstract class ProcMember {

    /** The members a process sees (itself included) and since when, in epoch milliseconds. */
    record View(Set<String> ids, long sinceMillis) {
    }

    /** From launch to joined with a running member (peermesh: ready): wall and CPU seconds. */
    record Joined(double wallSeconds, double cpuSeconds) {
    }

    final String name;
    /** Taken just before the process is started. */
    final long launchedNanos = System.nanoTime();
    private volatile View view = new View(Set.of(), 0);
    private volatile boolean paused;

    ProcMember(String name) {
        this.name = name;
    }

    abstract Process process();

    /** This member's own id as it appears in views; null until known. */
    abstract String id();

    /** Waits until it has joined another member (the seed), or null if not within the bound. */
    abstract Joined awaitJoined(Duration bound) throws InterruptedException;

    /** Waits until it runs and knows its id, alone or not; throws if not within the bound. */
    abstract void awaitUp(Duration bound) throws InterruptedException;

    /** Asks it to leave and exit; does not wait. */
    abstract void requestStop();

    /** Brings the view up to date where it has to be asked for (peermesh); the competitors report by themselves. */
    CompletableFuture<Void> refresh() {
        return CompletableFuture.completedFuture(null);
    }

    View view() {
        return view;
    }

    final synchronized void see(Collection<String> ids, long atMillis) {
        Set<String> set = Set.copyOf(ids);
        if (!set.equals(view.ids())) {
            view = new View(set, atMillis);
        }
    }

    long pid() {
        return process().pid();
    }

    double cpuSeconds() {
        return ProcThreads.processCpuSeconds(pid());
    }

    long rssKiB() {
        return ProcThreads.rssKiB(pid());
    }

    boolean paused() {
        return paused;
    }

    /** SIGSTOP or SIGCONT to this process (kill(1) with its PID). */
    void pause(boolean stop) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill " + (stop ? "-STOP " : "-CONT ") + pid() + " failed");
        }
        paused = stop;
    }

    /** Waits for the exit asked for; SIGTERM, then SIGKILL, to this PID if it takes longer than the grace. */
    void awaitExit(Duration grace) throws InterruptedException {
        Process p = process();
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Resumes the paused, asks every member to stop, then waits for each (they leave in parallel). */
    static void stopAll(List<? extends ProcMember> members) throws InterruptedException {
        for (ProcMember m : members) {
            try {
                if (m.paused()) {
                    m.pause(false);
                }
            } catch (IOException e) {
                m.process().destroyForcibly(); // a stopped process cannot leave; SIGKILL still ends it
            }
            m.requestStop();
        }
        for (ProcMember m : members) {
            m.awaitExit(Duration.ofSeconds(15));
        }
    }
}
