package io.peermesh.bench;

/**
 * peermesh's figures from the process section as rows of the main table, against the targets of
 * issue #15 ("Process cost"). The targets are for 12 members; with fewer (quick mode) the rows that
 * depend on the mesh size are info rows.
 */
final class ProcTargets {

    private ProcTargets() {
    }

    static void rows(Report report, ProcTable.Figures f, int n, int starts) {
        if (f == null) {
            return;
        }
        boolean twelve = n == 12;
        String note = "peermesh processes on loopback, the README's command; see the process-level table";
        row(report, "8a", "process: java -jar to ready with one member running (median of " + starts + ")", f.startWallMedian(),
                "s", 0.6, "<= 0.6 s", true, note);
        row(report, "8b", "process: CPU-seconds to ready (median of " + starts + ")", f.startCpuMedian(), "CPU-s", 1.0,
                "<= 1.0 CPU-s", true, note);
        row(report, "8c", "process: " + n + " launched at once, until all see all", f.allAtOnce, "s", 8, "<= 8 s", twelve, note);
        row(report, "8d", "process: seed first, then " + (n - 1) + " at once, until all see all", f.seedThen, "s", 4, "<= 4 s",
                twelve, note);
        row(report, "8e", "process: idle CPU with " + (n - 1) + " peers (median)", f.idlePercent, "% of a core", 0.5,
                "<= 0.5 % of a core", twelve, note);
        row(report, "8f", "process: resident memory with " + (n - 1) + " peers (median)", f.rssMiB, "MiB", 72, "<= 72 MiB",
                twelve, note);
    }

    private static void row(Report report, String id, String measure, double v, String unit, double target, String targetText,
            boolean withTarget, String note) {
        String result = Double.isNaN(v) ? "not measured" : Stats.fmt(v) + " " + unit;
        if (withTarget) {
            report.target(id, measure, v, unit, result, Report.Goal.AT_MOST, target, targetText + " (issue #15)", note);
        } else {
            report.info(id, measure, v, unit, result, note + "; the target (" + targetText + ") is for 12 members");
        }
    }
}
