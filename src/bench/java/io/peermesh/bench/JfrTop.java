package io.peermesh.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording and summarises one thread: the hottest frames (self), the hottest
 * peermesh/Jackson/charset methods (inclusive), samples attributed to the nearest peermesh frame,
 * and the biggest allocation sites. Same as {@code jfr print --events jdk.ExecutionSample}, tallied.
 */
final class JfrTop {

    private JfrTop() {
    }

    static Map<String, Object> analyze(Path file, long threadId, String label) throws IOException {
        return analyze(file, t -> t.getJavaThreadId() == threadId, label + " (java thread id " + threadId + ")");
    }

    /** All threads whose name starts with {@code prefix}, together. */
    static Map<String, Object> analyzePrefix(Path file, String prefix) throws IOException {
        return analyze(file, t -> String.valueOf(t.getJavaName()).startsWith(prefix), "all threads named " + prefix + "*");
    }

    static Map<String, Object> analyze(Path file, java.util.function.Predicate<RecordedThread> which, String label)
            throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> nearest = new HashMap<>();
        Map<String, Long> allocByClass = new HashMap<>();
        Map<String, Long> allocBySite = new HashMap<>();
        int samples = 0;
        int allSamples = 0;
        long allocTotal = 0;
        // A thread's first allocation sample weighs everything it allocated before the recording: skip it.
        Set<Long> allocSeen = new HashSet<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.ExecutionSample")) {
                allSamples++;
                RecordedThread t = e.getThread("sampledThread");
                if (t == null || !which.test(t) || e.getStackTrace() == null) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = e.getStackTrace().getFrames();
                if (frames.isEmpty()) {
                    continue;
                }
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                String near = null;
                for (RecordedFrame f : frames) {
                    String n = name(f);
                    if (interesting(n) && seen.add(n)) {
                        inclusive.merge(n, 1, Integer::sum);
                    }
                    if (near == null && n.startsWith("io.peermesh.")) {
                        near = n;
                    }
                }
                nearest.merge(near == null ? "(no peermesh frame: Vert.x/Netty I/O, epoll, timers)" : near, 1, Integer::sum);
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                RecordedThread t = e.getThread();
                if (t == null || !which.test(t) || allocSeen.add(t.getJavaThreadId())) {
                    continue; // another thread, or this thread's first sample
                }
                long w = e.getLong("weight");
                allocTotal += w;
                allocByClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
                allocBySite.merge(site(e.getStackTrace()), w, Long::sum);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("thread", label);
        m.put("executionSamplesOfThread", samples);
        m.put("executionSamplesAllThreads", allSamples);
        m.put("topSelf", top(self, samples, 15));
        m.put("topInclusive", top(inclusive, samples, 20));
        m.put("byNearestPeermeshFrame", top(nearest, samples, 15));
        m.put("allocationSampledBytes", allocTotal);
        m.put("allocationByClass", topLong(allocByClass, allocTotal, 10));
        m.put("allocationBySite", topLong(allocBySite, allocTotal, 12));
        return m;
    }

    private static boolean interesting(String n) {
        return n.startsWith("io.peermesh.") || n.startsWith("com.fasterxml.") || n.startsWith("java.nio.charset.")
                || n.startsWith("sun.nio.cs.") || n.startsWith("io.vertx.core.net.impl.") || n.startsWith("java.util.logging.")
                || n.startsWith("io.vertx.core.buffer.") || n.startsWith("java.util.regex.");
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The allocating frame, and the nearest peermesh frame that led to it. */
    private static String site(RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) {
            return "(no stack)";
        }
        RecordedFrame top = st.getFrames().get(0);
        String s = name(top) + ":" + top.getLineNumber();
        for (RecordedFrame f : st.getFrames()) {
            String n = name(f);
            if (n.startsWith("io.peermesh.")) {
                return n.equals(name(top)) ? s : s + " <- " + n + ":" + f.getLineNumber();
            }
        }
        return s;
    }

    private static List<Map<String, Object>> top(Map<String, Integer> counts, int total, int limit) {
        List<Map.Entry<String, Integer>> list = new ArrayList<>(counts.entrySet());
        list.sort((a, b) -> b.getValue() - a.getValue());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : list.subList(0, Math.min(limit, list.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("frame", e.getKey());
            m.put("samples", e.getValue());
            m.put("percent", total == 0 ? 0 : Math.round(1000.0 * e.getValue() / total) / 10.0);
            out.add(m);
        }
        return out;
    }

    private static List<Map<String, Object>> topLong(Map<String, Long> counts, long total, int limit) {
        List<Map.Entry<String, Long>> list = new ArrayList<>(counts.entrySet());
        list.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : list.subList(0, Math.min(limit, list.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("site", e.getKey());
            m.put("bytes", e.getValue());
            m.put("percent", total == 0 ? 0 : Math.round(1000.0 * e.getValue() / total) / 10.0);
            out.add(m);
        }
        return out;
    }

    static String text(String title, Map<?, ?> m) {
        StringBuilder b = new StringBuilder("JFR: ").append(title).append(", thread ").append(m.get("thread"))
                .append(", ").append(m.get("executionSamplesOfThread")).append(" samples\n");
        section(b, "  top frames (self)", m.get("topSelf"), "frame", "samples");
        section(b, "  by nearest peermesh frame", m.get("byNearestPeermeshFrame"), "frame", "samples");
        section(b, "  inclusive (peermesh, Jackson, charset, Vert.x net)", m.get("topInclusive"), "frame", "samples");
        section(b, "  allocation by site (sampled weight)", m.get("allocationBySite"), "site", "bytes");
        section(b, "  allocation by class", m.get("allocationByClass"), "site", "bytes");
        return b.toString();
    }

    private static void section(StringBuilder b, String title, Object rows, String key, String count) {
        b.append(title).append(":\n");
        for (Object o : (List<?>) rows) {
            Map<?, ?> r = (Map<?, ?>) o;
            b.append(String.format("    %5.1f%%  %s%n", ((Number) r.get("percent")).doubleValue(), r.get(key)));
        }
    }
}
