package io.peermesh.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles and summaries of samples. */
final class Stats {

    private Stats() {
    }

    /** Nearest-rank percentile (0 < p <= 100) of sorted values. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    /** p50/p90/p99/p99.9/max/mean of nanosecond samples, in microseconds. */
    static Map<String, Object> latencyMicros(long[] sortedNanos) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", sortedNanos.length);
        m.put("p50_us", sortedNanos.length == 0 ? null : percentile(sortedNanos, 50) / 1000.0);
        m.put("p90_us", sortedNanos.length == 0 ? null : percentile(sortedNanos, 90) / 1000.0);
        m.put("p99_us", sortedNanos.length == 0 ? null : percentile(sortedNanos, 99) / 1000.0);
        m.put("p99_9_us", sortedNanos.length == 0 ? null : percentile(sortedNanos, 99.9) / 1000.0);
        m.put("max_us", sortedNanos.length == 0 ? null : sortedNanos[sortedNanos.length - 1] / 1000.0);
        m.put("mean_us", sortedNanos.length == 0 ? null : Arrays.stream(sortedNanos).average().orElse(0) / 1000.0);
        return m;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format("%,.0f", v);
        }
        if (a >= 100) {
            return String.format("%.0f", v);
        }
        if (a >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }
}
