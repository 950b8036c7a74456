package io.peermesh.bench;

import io.peermesh.broadcast.PublishResult;
import io.peermesh.vertx.PeerNode;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Broadcast latency between real nodes: N {@link PeerNode}s in this JVM on 127.0.0.1 sockets (a
 * full mesh, max-peers N, formed from one seed as in the convergence section), one broadcast at a
 * time from a rotating origin; the figure is wall time from the {@code publish} call on the bench
 * thread until the last of the N members (the origin included, which delivers at once) ran its
 * delivery listener. In a full mesh every member is one hop from the origin, so this is the origin
 * writing N-1 copies plus every member's relay of N-2 duplicates, all on this machine's cores.
 *
 * <p>Threading: listeners run on each node's event loop and only touch the concurrent slot of the
 * broadcast; the bench thread publishes and waits.
 */
final class LocalBroadcast {

    /** One broadcast in flight: who delivered, and when the last did. */
    private static final class Slot {
        final CountDownLatch all;
        final AtomicLong last = new AtomicLong();

        Slot(int n) {
            all = new CountDownLatch(n);
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Vertx vertx;

    LocalBroadcast(Vertx vertx) {
        this.vertx = vertx;
    }

    record Result(int n, int measured, int lost, long[] sortedNanos, double cpuMillisPerBroadcast, double formMillis,
            String problem) {
    }

    /** {@code warm} unmeasured broadcasts, then {@code count} measured ones. */
    Result run(int n, int warm, int count) {
        LocalMesh mesh = new LocalMesh(vertx);
        Map<String, Slot> slots = new ConcurrentHashMap<>();
        try {
            long t0 = System.nanoTime();
            PeerNode seed = mesh.seed(n, n);
            mesh.start(n - 1, n, n, false, seed.advertised(), n - 1);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (mesh.full() < n && System.nanoTime() < deadline) {
                Loops.sleep(5);
            }
            if (mesh.full() < n) {
                return new Result(n, 0, 0, new long[0], Double.NaN, Double.NaN,
                        "no full mesh of " + n + " within 60 s: peers " + mesh.counts());
            }
            double formMillis = (System.nanoTime() - t0) / 1e6;
            for (PeerNode node : mesh.nodes) {
                node.subscribeMessages(d -> {
                    Slot s = slots.get(d.payload());
                    if (s != null) {
                        s.last.accumulateAndGet(System.nanoTime(), Math::max);
                        s.all.countDown();
                    }
                });
            }
            long[] lat = new long[count];
            int measured = 0;
            int lost = 0;
            long cpu0 = 0;
            List<PeerNode> nodes = List.copyOf(mesh.nodes);
            for (int b = 0; b < warm + count; b++) {
                if (b == warm) {
                    cpu0 = OS.getProcessCpuTime();
                }
                String payload = "{\"b\":" + b + "}";
                Slot slot = new Slot(n);
                slots.put(payload, slot);
                PeerNode origin = nodes.get(b % n);
                long sent = System.nanoTime();
                PublishResult r = Loops.await(origin.publish("bench", payload), Duration.ofSeconds(5));
                if (!(r instanceof PublishResult.Published)) {
                    return new Result(n, measured, lost, new long[0], Double.NaN, formMillis, "publish refused: " + r);
                }
                boolean all = slot.all.await(5, TimeUnit.SECONDS);
                slots.remove(payload);
                if (b >= warm) {
                    if (all) {
                        lat[measured++] = slot.last.get() - sent;
                    } else {
                        lost++;
                    }
                }
                Loops.sleep(2); // the duplicates of this one drain before the next is timed
            }
            double cpuPer = (OS.getProcessCpuTime() - cpu0) / 1e6 / Math.max(1, count);
            long[] sorted = java.util.Arrays.copyOf(lat, measured);
            java.util.Arrays.sort(sorted);
            return new Result(n, measured, lost, sorted, cpuPer, formMillis, lost == 0 ? "" : lost + " not delivered to all within 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            mesh.stop();
        }
    }

    /** The raw figures for results.json. */
    static Map<String, Object> data(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("members", r.n());
        m.put("topology", "full mesh, max-peers " + r.n() + " (degree " + (r.n() - 1) + ")");
        m.put("formMillis", r.formMillis());
        m.put("broadcastsMeasured", r.measured());
        m.put("notDeliveredToAll", r.lost());
        m.put("publishToLastDelivery", Stats.latencyMicros(r.sortedNanos()));
        m.put("processCpuMillisPerBroadcast", r.cpuMillisPerBroadcast());
        m.put("problem", r.problem());
        return m;
    }
}
