package io.peermesh.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A competitor's member (a main of ours in {@code io.peermesh.bench.rivals}) as a child JVM with
 * only that main and the library's jar on its class path and no JVM flags: its stdout lines
 * ({@code JOINED} and {@code VIEW}, with the member's own timestamps) update the view; "exit" on
 * stdin makes it leave the cluster and exit.
 */
final class RivalProcess extends ProcMember {

    private final Child child;
    private volatile String self;
    private volatile boolean joinCallReturned;
    /** When it had returned from the join call and saw another member; 0 before. */
    private volatile long joinedNanos;
    private volatile double joinedCpuSeconds = Double.NaN;

    RivalProcess(String name, String classPath, String main, List<String> args, Path log) throws IOException {
        super(name);
        child = Child.start(name, classPath, main, List.of(), args, log, this::line);
    }

    /** Runs on the child's reader thread. */
    private void line(String line) {
        String[] f = line.split(" ");
        if (f[0].equals("VIEW") && f.length >= 4) {
            see(Arrays.asList(f[3].split(",")), Long.parseLong(f[1]));
        } else if (f[0].equals("JOINED") && f.length >= 5) {
            self = f[2];
            see(Arrays.asList(f[4].split(",")), Long.parseLong(f[1]));
            joinCallReturned = true;
        } else {
            return;
        }
        if (joinCallReturned && joinedNanos == 0 && view().ids().size() >= 2) {
            joinedCpuSeconds = cpuSeconds(); // first, while the process is where it was at the line
            joinedNanos = System.nanoTime();
        }
    }

    @Override
    Process process() {
        return child.process;
    }

    @Override
    String id() {
        return self;
    }

    @Override
    Joined awaitJoined(Duration bound) throws InterruptedException {
        long deadline = launchedNanos + bound.toNanos();
        while (joinedNanos == 0 && System.nanoTime() < deadline && child.process.isAlive()) {
            Thread.sleep(2);
        }
        return joinedNanos == 0 ? null : new Joined((joinedNanos - launchedNanos) / 1e9, joinedCpuSeconds);
    }

    @Override
    void awaitUp(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!joinCallReturned) {
            if (System.nanoTime() > deadline || !child.process.isAlive()) {
                throw new IllegalStateException(name + " not joined within " + bound
                        + (child.process.isAlive() ? "" : " (exited with " + child.process.exitValue() + ")"));
            }
            Thread.sleep(5);
        }
    }

    @Override
    void requestStop() {
        if (child.process.isAlive()) {
            try {
                child.send("exit");
            } catch (IllegalStateException e) {
                child.process.destroy(); // stdin gone: SIGTERM instead (both mains leave on it)
            }
        }
    }
}
