package io.peermesh.node;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounds on what peers can make this node hold, after Bitcoin Core's: connection caps, a
 * handshake deadline (in NodeConfig), message rates and write buffers.
 *
 * @param maxInbound          inbound connections at once (handshaking or established)
 * @param maxInboundPerIp     inbound connections at once from one remote IP
 * @param maxPendingHandshakes connections (both directions) waiting for their hello exchange
 * @param messageRate         messages per second one connection may send, sustained
 * @param messageBurst        messages one connection may send in a burst
 * @param maxWriteQueueBytes  bytes queued for a peer that does not read before it is disconnected
 * @param banDuration         how long inbound connections from an IP that broke the protocol are
 *                            refused (0: never)
 */
public record LimitsConfig(int maxInbound, int maxInboundPerIp, int maxPendingHandshakes, double messageRate,
        int messageBurst, int maxWriteQueueBytes, java.time.Duration banDuration) {

    public static final LimitsConfig DEFAULTS = new LimitsConfig(256, 32, 64, 200, 2000, 1024 * 1024,
            java.time.Duration.ofSeconds(60));

    public LimitsConfig(int maxInbound, int maxInboundPerIp, int maxPendingHandshakes, double messageRate,
            int messageBurst, int maxWriteQueueBytes) {
        this(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst, maxWriteQueueBytes,
                DEFAULTS_BAN);
    }

    private static final java.time.Duration DEFAULTS_BAN = java.time.Duration.ofSeconds(60);

    public LimitsConfig withBanDuration(java.time.Duration ban) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst,
                maxWriteQueueBytes, ban);
    }

    public LimitsConfig withInbound(int total, int perIp) {
        return new LimitsConfig(total, perIp, maxPendingHandshakes, messageRate, messageBurst, maxWriteQueueBytes, banDuration);
    }

    public LimitsConfig withPendingHandshakes(int max) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, max, messageRate, messageBurst, maxWriteQueueBytes, banDuration);
    }

    public LimitsConfig withMessageRate(double rate, int burst) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, rate, burst, maxWriteQueueBytes, banDuration);
    }

    public LimitsConfig withWriteQueueBytes(int bytes) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst, bytes, banDuration);
    }

    List<String> problems(int maxPeers) {
        List<String> problems = new ArrayList<>();
        if (maxInbound < 1) {
            problems.add("p2p.limits.max-inbound must be at least 1, was " + maxInbound);
        }
        if (maxInboundPerIp < 1) {
            problems.add("p2p.limits.max-inbound-per-ip must be at least 1, was " + maxInboundPerIp);
        }
        if (maxPendingHandshakes < 1) {
            problems.add("p2p.limits.max-pending-handshakes must be at least 1, was " + maxPendingHandshakes);
        }
        if (!(messageRate > 0) || messageBurst < 1) {
            problems.add("p2p.limits.message-rate must be above 0 and p2p.limits.message-burst at least 1");
        }
        if (banDuration == null || banDuration.isNegative()) {
            problems.add("p2p.limits.ban-duration must be 0s or more, was " + banDuration);
        }
        if (maxWriteQueueBytes < 4096) {
            problems.add("p2p.limits.max-write-queue-bytes must be at least 4096, was " + maxWriteQueueBytes);
        }
        return problems;
    }
}
