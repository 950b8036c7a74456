package io.peermesh.api;

import io.peermesh.service.PeerService;
import io.peermesh.topology.LinkReport;
import io.peermesh.topology.LinkSummaries;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.LinkState;
import io.peermesh.wire.Message;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last 15 minutes of every link this node knows of (issue #14): RTT, loss and reconnects, in
 * {@value #BUCKET_MILLIS} ms buckets, for the page's per-link chart ({@code GET /mesh/history}).
 * Every {@value #SAMPLE_MILLIS} ms it reads the link summaries (this node's and its peers', see
 * {@link LinkSummaries}) and adds each link's state and RTT to the current bucket; a link seen up
 * after being down or absent counts a reconnect. At most {@value #MAX_LINKS} links ({@code from}
 * and {@code to}) are kept, the ones unseen longest dropped first; {@value #BUCKETS} buckets each.
 *
 * <p>Threading: the sampling timer runs on a Vert.x event loop; the map is guarded by this object.
 */
@ApplicationScoped
public class LinkHistory {

    static final long SAMPLE_MILLIS = 2_000;
    static final long BUCKET_MILLIS = 10_000;
    static final int BUCKETS = 90; // 15 minutes
    static final int MAX_LINKS = 4096;

    /** One bucket: start (epoch ms), mean RTT (null: no sample up), the worst loss, reconnects, share of samples down. */
    public record Bucket(String at, Double rttMillis, Double loss, int reconnects, double down) {
    }

    private static final class Series {
        final long[] start = new long[BUCKETS];
        final double[] rttSum = new double[BUCKETS];
        final int[] rttCount = new int[BUCKETS];
        final double[] lossMax = new double[BUCKETS];
        final int[] reconnects = new int[BUCKETS];
        final int[] samples = new int[BUCKETS];
        final int[] downSamples = new int[BUCKETS];
        int head = -1;
        boolean wasUp;
        long lastSeen;

        void add(long now, Message.LinkEntry e) {
            long bucketStart = now - now % BUCKET_MILLIS;
            if (head < 0 || start[head] != bucketStart) {
                head = (head + 1) % BUCKETS;
                start[head] = bucketStart;
                rttSum[head] = 0;
                rttCount[head] = 0;
                lossMax[head] = 0;
                reconnects[head] = 0;
                samples[head] = 0;
                downSamples[head] = 0;
            }
            boolean up = e != null && (e.state() == LinkState.UP || e.state() == LinkState.ONE_WAY);
            samples[head]++;
            if (!up) {
                downSamples[head]++;
            }
            if (up && e.rttMillis() != null) {
                rttSum[head] += e.rttMillis();
                rttCount[head]++;
            }
            if (e != null && e.loss() != null) {
                lossMax[head] = Math.max(lossMax[head], e.loss());
            }
            if (up && !wasUp && lastSeen > 0) {
                reconnects[head]++;
            }
            wasUp = up;
            if (e != null) {
                lastSeen = now;
            }
        }

        List<Bucket> buckets(long now) {
            List<Bucket> out = new ArrayList<>();
            for (int i = 1; i <= BUCKETS && head >= 0; i++) {
                int k = (head + i) % BUCKETS;
                if (samples[k] == 0 || now - start[k] > BUCKETS * BUCKET_MILLIS) {
                    continue;
                }
                out.add(new Bucket(Instant.ofEpochMilli(start[k]).toString(),
                        rttCount[k] == 0 ? null : rttSum[k] / rttCount[k], lossMax[k], reconnects[k],
                        (double) downSamples[k] / samples[k]));
            }
            return out;
        }
    }

    private final Vertx vertx;
    private final PeerService service;
    private final Map<String, Series> series = new LinkedHashMap<>(16, 0.75f, true); // access order: LRU
    private long timer = -1;

    @Inject
    public LinkHistory(Vertx vertx, PeerService service) {
        this.vertx = vertx;
        this.service = service;
    }

    void onStart(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** True while the sampling timer runs (lifecycle tests). */
    boolean running() {
        return timer >= 0;
    }

    static String key(String from, String toOrAddr) {
        return from + " " + toOrAddr;
    }

    synchronized void sample() {
        PeerNode node = service.node();
        LinkSummaries.Snapshot s = node == null ? null : node.linkSummaries();
        if (s == null) {
            return;
        }
        long now = System.currentTimeMillis();
        Map<String, Message.LinkEntry> current = new HashMap<>();
        List<LinkReport> reports = new ArrayList<>(s.reported().values());
        if (s.own() != null) {
            reports.add(s.own());
        }
        for (LinkReport r : reports) {
            for (Message.LinkEntry e : r.links()) {
                current.put(key(r.nodeId(), e.nodeId() != null ? e.nodeId() : e.addr()), e);
            }
        }
        for (Map.Entry<String, Message.LinkEntry> e : current.entrySet()) {
            series.computeIfAbsent(e.getKey(), k -> new Series()).add(now, e.getValue());
        }
        for (Map.Entry<String, Series> e : series.entrySet()) {
            if (!current.containsKey(e.getKey())) {
                e.getValue().add(now, null); // gone from every report: down for this sample
            }
        }
        series.values().removeIf(x -> now - x.lastSeen > BUCKETS * BUCKET_MILLIS);
        while (series.size() > MAX_LINKS) {
            series.remove(series.keySet().iterator().next());
        }
    }

    /** The buckets of one link, oldest first; empty when unknown. {@code to} may be a node id or an address. */
    synchronized List<Bucket> of(String from, String to) {
        Series x = series.get(key(from, to));
        return x == null ? List.of() : x.buckets(System.currentTimeMillis());
    }
}
