package io.peermesh.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the time of a node's round trip goes, from the two nodes' {@code io.peermesh.rtt} lines:
 * the asker logs its round trip with the nonce and when its pong was read, the answerer logs when
 * it read that ping and when it wrote the pong. Both are {@code System.nanoTime()}, i.e.
 * CLOCK_MONOTONIC on Linux, one clock for every process of the host, so the three stages add up
 * to the round trip exactly: way out (asker's write to answerer's read: kernel, wake-up, the
 * answerer's read path up to the node), the answerer's turn (framing, fast path, the pong's
 * write call) and way back (the same as way out, in the other direction).
 */
final class RttStages {

    private static final Pattern ASKED = Pattern.compile("rtt_ns=(\\d+) peer=\\S+( lead)? nonce=(\\S+) rx_ns=(-?\\d+)");
    private static final Pattern ANSWERED = Pattern.compile("ping_in nonce=(\\S+) rx_ns=(-?\\d+) tx_ns=(-?\\d+)");

    private record Asked(long arrival, boolean lead, String nonce, long sentAt, long readAt) {}

    private final Map<String, long[]> answered = new ConcurrentHashMap<>();
    private final List<Asked> asked = new ArrayList<>();

    /** Takes one line of a node's output (arrival: when the benchmark read it, for the windows). */
    void line(long arrival, String line) {
        Matcher m = ANSWERED.matcher(line);
        if (m.find()) {
            answered.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
            return;
        }
        m = ASKED.matcher(line);
        if (m.find()) {
            long rtt = Long.parseLong(m.group(1));
            long readAt = Long.parseLong(m.group(4));
            synchronized (asked) {
                asked.add(new Asked(arrival, m.group(2) != null, m.group(3), readAt - rtt, readAt));
            }
        }
    }

    /** Median of each stage in microseconds for the round trips (leads or follow-ups) in the window. */
    Map<String, Object> medians(long fromNanos, long toNanos, boolean leads) {
        List<long[]> split = new ArrayList<>();
        synchronized (asked) {
            for (Asked a : asked) {
                long[] peer = answered.get(a.nonce);
                if (a.arrival >= fromNanos && a.arrival < toNanos && a.lead == leads && peer != null) {
                    split.add(new long[] {peer[0] - a.sentAt, peer[1] - peer[0], a.readAt - peer[1], a.readAt - a.sentAt});
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("roundTrips", split.size());
        String[] names = {"wayOut_us", "answererTurn_us", "wayBack_us", "total_us"};
        for (int i = 0; i < names.length; i++) {
            int stage = i;
            long[] v = split.stream().mapToLong(s -> s[stage]).sorted().toArray();
            m.put(names[i], v.length == 0 ? null : Stats.percentile(v, 50) / 1000.0);
        }
        return m;
    }

    /** The medians as one line for the report. */
    static String text(Map<String, Object> m) {
        if (((Integer) m.get("roundTrips")) == 0) {
            return "no round trip matched on both sides";
        }
        return String.format("way out %.0f / answerer %.0f / way back %.0f us of %.0f (medians of %d)",
                (Double) m.get("wayOut_us"), (Double) m.get("answererTurn_us"), (Double) m.get("wayBack_us"),
                (Double) m.get("total_us"), (Integer) m.get("roundTrips"));
    }
}
