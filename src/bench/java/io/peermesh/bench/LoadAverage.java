package io.peermesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The machine's load averages from /proc/loadavg, and a bounded wait for a quiet machine. */
final class LoadAverage {

    private LoadAverage() {
    }

    /** "1-min 5-min 15-min", or "?" off Linux. */
    static String text() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static double oneMinute() {
        try {
            return Double.parseDouble(text().split(" ")[0]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Waits, polling every 5 s, until the 1-minute load is below {@code limit} or {@code bound} has passed; seconds waited. */
    static double awaitBelow(double limit, Duration bound) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + bound.toNanos();
        while (limit > 0 && oneMinute() >= limit && System.nanoTime() < deadline) {
            Thread.sleep(5_000);
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
