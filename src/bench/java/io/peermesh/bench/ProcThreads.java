package io.peermesh.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of every thread of this process, JVM-internal ones included (JIT compilers, GC, VM
 * thread), from /proc/self/task/N/stat (user + system, in clock ticks of 10 ms). Linux only;
 * empty elsewhere.
 */
final class ProcThreads {

    private static final double TICK_SECONDS = 0.01; // USER_HZ is 100 on Linux

    private ProcThreads() {
    }

    /** Ticks per thread id, with the thread's name. */
    static Map<String, long[]> snapshot() {
        return snapshot("self");
    }

    /**
     * CPU seconds another process has used so far, per thread group (JIT compiler, GC and VM thread,
     * vert.x event loops, other: name); a JVM's main thread is "other: java".
     */
    static Map<String, Double> cpuSecondsByGroup(long pid) {
        Map<String, Double> groups = new TreeMap<>();
        for (Map.Entry<String, long[]> e : snapshot(Long.toString(pid)).entrySet()) {
            groups.merge(group(e.getKey().substring(e.getKey().indexOf(' ') + 1)), e.getValue()[0] * TICK_SECONDS, Double::sum);
        }
        return groups;
    }

    /** User + system CPU seconds a whole process has used so far (/proc/PID/stat), NaN once it is gone. */
    static double processCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_SECONDS; // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Resident memory of a process in KiB (VmRSS in /proc/PID/status), -1 once it is gone. */
    static long rssKiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    private static Map<String, long[]> snapshot(String process) {
        Map<String, long[]> m = new HashMap<>();
        Path tasks = Path.of("/proc", process, "task");
        if (!Files.isDirectory(tasks)) {
            return m;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path t : dir) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                    m.put(t.getFileName() + " " + name, new long[] {ticks});
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return m;
        }
        return m;
    }

    /** Share of one core per thread group between two snapshots. */
    static Map<String, Double> delta(Map<String, long[]> before, Map<String, long[]> after, double seconds) {
        Map<String, Double> groups = new TreeMap<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            long d = e.getValue()[0] - (b == null ? 0 : b[0]);
            if (d > 0) {
                groups.merge(group(e.getKey().substring(e.getKey().indexOf(' ') + 1)), d * TICK_SECONDS / seconds, Double::sum);
            }
        }
        return groups;
    }

    private static String group(String comm) {
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return "JIT compiler";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
            return "GC and VM thread";
        }
        if (comm.startsWith("vert.x-eventloo")) {
            return "vert.x event loops";
        }
        return "other: " + comm;
    }
}
