package io.peermesh.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The process section's table: one row per scenario, one column per system, each competitor's
 * figure followed by its ratio to peermesh's from the same run (competitor / peermesh: above 1
 * means more time, CPU or memory than peermesh).
 */
final class ProcTable {

    /** The columns, in order: system key to title. */
    static final Map<String, String> SYSTEMS = new LinkedHashMap<>();

    static {
        SYSTEMS.put("peermesh", "peermesh");
        SYSTEMS.put("jgroups", "JGroups");
        SYSTEMS.put("jgroups-tuned", "JGroups tuned");
        SYSTEMS.put("hazelcast", "Hazelcast");
        SYSTEMS.put("hazelcast-tuned", "Hazelcast tuned");
    }

    /** What one system measured. NaN: not measured, or not within the bound; {@link #why} then says which. */
    static final class Figures {
        final List<Double> startWall = new ArrayList<>();
        final List<Double> startCpu = new ArrayList<>();
        double allAtOnce = Double.NaN;
        double seedThen = Double.NaN;
        double idlePercent = Double.NaN;
        double rssMiB = Double.NaN;
        double dropped = Double.NaN;
        double back = Double.NaN;
        /** Scenario key (start, allAtOnce, seedThen, idle, rss, dropped, back) to the text shown instead of a figure. */
        final Map<String, String> why = new HashMap<>();

        double startWallMedian() {
            return median(startWall);
        }

        double startCpuMedian() {
            return median(startCpu);
        }

        private static double median(List<Double> l) {
            return l.isEmpty() ? Double.NaN : Stats.median(l.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    private ProcTable() {
    }

    static String markdown(Map<String, Figures> bySystem, int n, int starts) {
        StringBuilder b = new StringBuilder("| scenario |");
        SYSTEMS.values().forEach(t -> b.append(' ').append(t).append(" |"));
        b.append("\n|---|").append("---|".repeat(SYSTEMS.size())).append('\n');
        Figures base = bySystem.get("peermesh");
        b.append("| start to ready/joined with one member running (median of ").append(starts).append(") |");
        for (String key : SYSTEMS.keySet()) {
            Figures f = bySystem.get(key);
            String cell;
            if (f == null) {
                cell = "not run";
            } else if (Double.isNaN(f.startWallMedian())) {
                cell = f.why.getOrDefault("start", "not measured");
            } else {
                cell = Stats.fmt(f.startWallMedian()) + " s" + ratio(f, base, Figures::startWallMedian, key) + ", "
                        + Stats.fmt(f.startCpuMedian()) + " CPU-s" + ratio(f, base, Figures::startCpuMedian, key);
            }
            b.append(' ').append(cell).append(" |");
        }
        b.append('\n');
        row(b, bySystem, n + " processes launched at once, until all see all " + n, "allAtOnce", f -> f.allAtOnce, " s");
        row(b, bySystem, "seed running, then " + (n - 1) + " launched at once, until all see all " + n, "seedThen",
                f -> f.seedThen, " s");
        row(b, bySystem, "idle CPU with " + (n - 1) + " peers, median of " + n, "idle", f -> f.idlePercent, " % of a core");
        row(b, bySystem, "resident memory with " + (n - 1) + " peers, median", "rss", f -> f.rssMiB, " MiB");
        row(b, bySystem, "SIGSTOP'd member dropped by all others", "dropped", f -> f.dropped, " s");
        row(b, bySystem, "SIGCONT'd member back in all views", "back", f -> f.back, " s");
        return b.toString();
    }

    private static void row(StringBuilder b, Map<String, Figures> bySystem, String scenario, String key,
            Function<Figures, Double> value, String unit) {
        b.append("| ").append(scenario).append(" |");
        Figures base = bySystem.get("peermesh");
        for (String system : SYSTEMS.keySet()) {
            Figures f = bySystem.get(system);
            String cell;
            if (f == null) {
                cell = "not run";
            } else if (Double.isNaN(value.apply(f))) {
                cell = f.why.getOrDefault(key, "not measured");
            } else {
                cell = Stats.fmt(value.apply(f)) + unit + ratio(f, base, value, system);
            }
            b.append(' ').append(cell).append(" |");
        }
        b.append('\n');
    }

    /** " (2.4x)": the competitor's figure over peermesh's; empty for peermesh itself or without both figures. */
    private static String ratio(Figures f, Figures base, Function<Figures, Double> value, String system) {
        if (system.equals("peermesh") || base == null) {
            return "";
        }
        double v = value.apply(f);
        double p = value.apply(base);
        if (Double.isNaN(v) || Double.isNaN(p) || p <= 0) {
            return "";
        }
        return " (" + Stats.fmt(v / p) + "x)";
    }
}
