package io.peermesh.bench;

import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.vertx.PeerNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Section 4: how long a node takes to drop a dead peer, for a peer whose socket closes and for a
 * silent one (handshaked, socket open, pings unanswered), with ping interval 200 ms and timeout
 * 600 ms; and whether it ever drops a healthy peer meanwhile (a raw peer that answers pings and a
 * second node).
 */
final class FailureBench {

    static final Duration INTERVAL = Duration.ofMillis(200);
    static final Duration TIMEOUT = Duration.ofMillis(600);
    /** Allowance for timer and close scheduling on top of timeout + interval (the bound is tight by design). */
    static final double SLACK_MS = 20;

    private final Vertx vertx;
    private final Opts opts;
    private final Report report;

    FailureBench(Vertx vertx, Opts opts, Report report) {
        this.vertx = vertx;
        this.opts = opts;
        this.report = report;
    }

    static final class Timeouts implements NodeObserver {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void peerTimedOut() {
            count.incrementAndGet();
        }
    }

    void run() throws Exception {
        int trials = opts.pick(8, 20);
        NodeConfig.Builder b = NodeConfig.builder().limits(Opts.LOOPBACK_LIMITS).host("127.0.0.1").port(0).pingInterval(INTERVAL).pingTimeout(TIMEOUT);
        Timeouts aTimeouts = new Timeouts();
        Timeouts bTimeouts = new Timeouts();
        PeerNode a = Loops.await(PeerNode.deploy(vertx, b.build(), NodeClock.SYSTEM, aTimeouts), Duration.ofSeconds(10));
        PeerNode healthyNode = Loops.await(PeerNode.deploy(vertx, b.bootstrap(List.of(a.advertised())).build(), NodeClock.SYSTEM,
                bTimeouts), Duration.ofSeconds(10));
        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Context cctx = Loops.newContext(clientVertx);
        LineClient healthyRaw = Loops.await(LineClient.connect(clientVertx, cctx, "127.0.0.1", a.port()), Duration.ofSeconds(10));
        Loops.await(healthyRaw.handshakeAsPeer("peermesh", l -> { }), Duration.ofSeconds(10));
        CostBench.waitFor(() -> a.peerCount() == 2 && healthyNode.peerCount() == 1, Duration.ofSeconds(10));
        long runStart = System.nanoTime();

        double[] silentFromLastAnswer = new double[trials];
        double[] silentFromSilence = new double[trials];
        double[] clean = new double[trials];
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            LineClient p = peer(clientVertx, cctx, a);
            Loops.sleep(ThreadLocalRandom.current().nextLong(250)); // random phase against the ping rounds
            long silentAt = System.nanoTime();
            p.answering = false;
            long removedAt = removal(a, 3, Duration.ofSeconds(5));
            Loops.sleep(5);
            long lastAnswer = p.lastAnswerNanos;
            if (removedAt < 0) {
                problems.add("silent trial " + i + ": not dropped within 5 s");
                silentFromLastAnswer[i] = Double.NaN;
                silentFromSilence[i] = Double.NaN;
            } else {
                silentFromLastAnswer[i] = (removedAt - lastAnswer) / 1e6;
                silentFromSilence[i] = (removedAt - silentAt) / 1e6;
                if (p.closedAtNanos == 0) {
                    problems.add("silent trial " + i + ": the count dropped but the silent peer's socket is open");
                }
            }
            Loops.await(p.close(), Duration.ofSeconds(5));
            CostBench.waitFor(() -> a.peerCount() == 2, Duration.ofSeconds(5));
        }
        for (int i = 0; i < trials; i++) {
            LineClient p = peer(clientVertx, cctx, a);
            Loops.sleep(ThreadLocalRandom.current().nextLong(250));
            long closeAt = System.nanoTime();
            p.close();
            long removedAt = removal(a, 3, Duration.ofSeconds(5));
            clean[i] = removedAt < 0 ? Double.NaN : (removedAt - closeAt) / 1e6;
            if (removedAt < 0) {
                problems.add("clean trial " + i + ": not dropped within 5 s");
            }
            CostBench.waitFor(() -> a.peerCount() == 2, Duration.ofSeconds(5));
        }
        double runSeconds = (System.nanoTime() - runStart) / 1e9;

        // False positives: a healthy peer dropped, or a timeout beyond the silent trials.
        Set<String> aPeers = Loops.await(a.peers(), Duration.ofSeconds(5)).stream().map(PeerView::nodeid).collect(Collectors.toSet());
        int falsePositives = 0;
        if (!aPeers.contains(healthyNode.nodeId())) {
            falsePositives++;
            problems.add("the healthy node was dropped");
        }
        if (!aPeers.contains(healthyRaw.nodeId) || healthyRaw.closedAtNanos != 0) {
            falsePositives++;
            problems.add("the healthy raw peer was dropped");
        }
        int extraTimeouts = aTimeouts.count.get() - trials + bTimeouts.count.get();
        if (extraTimeouts > 0) {
            problems.add(extraTimeouts + " ping timeouts beyond the silent trials");
        }
        falsePositives = Math.max(falsePositives, extraTimeouts);

        Loops.await(healthyRaw.close(), Duration.ofSeconds(5));
        Loops.await(a.close(), Duration.ofSeconds(10));
        Loops.await(healthyNode.close(), Duration.ofSeconds(10));
        Loops.await(clientVertx.close(), Duration.ofSeconds(10));

        double bound = TIMEOUT.toMillis() + INTERVAL.toMillis();
        long within = Arrays.stream(silentFromLastAnswer).filter(v -> v <= bound).count();
        long withinSlack = Arrays.stream(silentFromLastAnswer).filter(v -> v <= bound + SLACK_MS).count();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pingIntervalMillis", INTERVAL.toMillis());
        m.put("pingTimeoutMillis", TIMEOUT.toMillis());
        m.put("boundMillis", bound);
        m.put("trialsEach", trials);
        m.put("silentMillisFromLastAnswer", silentFromLastAnswer);
        m.put("silentMillisFromSilence", silentFromSilence);
        m.put("cleanCloseMillis", clean);
        m.put("silentWithinBound", within);
        m.put("slackMillis", SLACK_MS);
        m.put("silentWithinBoundPlusSlack", withinSlack);
        m.put("falsePositives", falsePositives);
        m.put("healthyPeersWatchedSeconds", runSeconds);
        m.put("problems", problems);
        report.section("failure", m);

        report.target("4a", "silent peer dropped after its last answer (max of " + trials + ")", Stats.max(silentFromLastAnswer),
                "ms", String.format("min %s / median %s / max %s ms; %d of %d within %.0f ms (+%.0f ms slack)",
                        Stats.fmt(Stats.min(silentFromLastAnswer)), Stats.fmt(Stats.median(silentFromLastAnswer)),
                        Stats.fmt(Stats.max(silentFromLastAnswer)), withinSlack, trials, bound, SLACK_MS),
                Report.Goal.AT_MOST, bound + SLACK_MS, "<= timeout + interval = " + (long) bound + " ms (+" + (long) SLACK_MS
                        + " ms scheduling slack), every trial",
                String.format("interval 200 ms, timeout 600 ms; from the silent peer's last pong to its removal from the peer "
                        + "table; strictly within %.0f ms: %d of %d", bound, within, trials));
        report.info("4b", "silent peer dropped after it fell silent (median / max)", Stats.median(silentFromSilence), "ms",
                String.format("%s / %s ms", Stats.fmt(Stats.median(silentFromSilence)), Stats.fmt(Stats.max(silentFromSilence))),
                "from the moment it stopped answering (its last answer came up to one interval earlier)");
        report.info("4c", "closed peer dropped after its socket closed (median / max)", Stats.median(clean), "ms",
                String.format("%s / %s ms", Stats.fmt(Stats.median(clean)), Stats.fmt(Stats.max(clean))),
                trials + " trials; close without bye");
        report.condition("4d", "false positives (healthy peers dropped)", falsePositives == 0,
                falsePositives + " in " + Math.round(runSeconds) + " s", "0",
                "a raw peer that answers pings and a second node stayed connected throughout"
                        + (problems.isEmpty() ? "" : "; " + String.join("; ", problems)));
    }

    /** A raw peer that handshakes with the node and has answered at least two of its pings. */
    private static LineClient peer(Vertx clientVertx, Context cctx, PeerNode a) {
        LineClient p = Loops.await(LineClient.connect(clientVertx, cctx, "127.0.0.1", a.port()), Duration.ofSeconds(10));
        Loops.await(p.handshakeAsPeer("peermesh", l -> { }), Duration.ofSeconds(10));
        CostBench.waitFor(() -> a.peerCount() == 3 && p.answeredPings >= 2, Duration.ofSeconds(10));
        return p;
    }

    /** Polls (every 0.1 ms) until the node has fewer than {@code before} peers; the time, or -1. */
    private static long removal(PeerNode node, int before, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (node.peerCount() < before) {
                return System.nanoTime();
            }
            LockSupport.parkNanos(100_000);
        }
        return -1;
    }
}
