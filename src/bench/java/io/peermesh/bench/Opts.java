package io.peermesh.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Benchmark settings from system properties ({@code -Dbench.*}); quick mode shrinks every section. */
final class Opts {

    /**
     * Every benchmark node and client shares 127.0.0.1 and some sections pipeline pings on purpose:
     * the per-IP, pending-handshake, message-rate and cooling-off protections are lifted here.
     */
    static final io.peermesh.node.config.LimitsConfig LOOPBACK_LIMITS = io.peermesh.node.config.LimitsConfig.DEFAULTS
            .withInbound(1_000_000, 1_000_000).withPendingHandshakes(1_000_000)
            .withMessageRate(1e9, 1_000_000_000).withWriteQueueBytes(64 * 1024 * 1024)
            .withBanDuration(java.time.Duration.ZERO);


    final boolean quick = Boolean.getBoolean("bench.quick");
    final Set<String> only = Arrays.stream(System.getProperty("bench.only", "").split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    final Path out = Path.of(System.getProperty("bench.out", "target/bench"));
    final Path jar = Path.of(System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar"));
    final int eventLoops = Integer.getInteger("bench.eventLoops", 2 * Runtime.getRuntime().availableProcessors());

    /** Convergence sizes ({@code -Dbench.n=10,50}); default 10,50,100 quick, 10,50,100,200 full. */
    final int[] sizes = Arrays.stream(orDefault(System.getProperty("bench.n"), quick ? "10,50,100" : "10,50,100,200").split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    /** Convergence trials per size ({@code -Dbench.trials}); default 1 quick, 3 full. */
    final int trials = Integer.getInteger("bench.trials", quick ? 1 : 3);

    /** Process section: members per system ({@code -Dbench.process.members}); default 4 quick, 12 full. */
    final int processMembers = Integer.parseInt(orDefault(System.getProperty("bench.process.members"), quick ? "4" : "12"));
    /**
     * Process section: the systems, in this order ({@code -Dbench.process.systems=peermesh,jgroups-tuned}); default
     * all five in the full run, peermesh and the two tuned competitors in quick mode (the defaults take a minute
     * or more to notice a stopped member, which CI's time does not allow).
     */
    final List<String> processSystems = Arrays.stream(orDefault(System.getProperty("bench.process.systems"),
            quick ? "peermesh,jgroups-tuned,hazelcast-tuned" : "peermesh,jgroups,jgroups-tuned,hazelcast,hazelcast-tuned")
            .split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    /**
     * Process section: first wait up to 10 minutes for a 1-minute load average below this
     * ({@code -Dbench.process.quietLoad}); default 1.0 in the full run, no wait (0) in quick mode.
     */
    final double processQuietLoad = Double.parseDouble(orDefault(System.getProperty("bench.process.quietLoad"), quick ? "0" : "1.0"));

    private static String orDefault(String v, String d) {
        return v == null || v.isBlank() ? d : v;
    }

    boolean runs(String section) {
        return only.isEmpty() || only.contains(section);
    }

    /** A value for quick mode or the full run. */
    <T> T pick(T quickValue, T fullValue) {
        return quick ? quickValue : fullValue;
    }

    int pick(int quickValue, int fullValue) {
        return quick ? quickValue : fullValue;
    }

    @Override
    public String toString() {
        return "quick=" + quick + " only=" + (only.isEmpty() ? "all" : only) + " eventLoops=" + eventLoops;
    }
}
