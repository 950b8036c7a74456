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
 */
public record LimitsConfig(int maxInbound, int maxInboundPerIp, int maxPendingHandshakes, double messageRate,
        int messageBurst, int maxWriteQueueBytes) {

    public static final LimitsConfig DEFAULTS = new LimitsConfig(256, 32, 64, 200, 2000, 1024 * 1024);

    public LimitsConfig withInbound(int total, int perIp) {
        return new LimitsConfig(total, perIp, maxPendingHandshakes, messageRate, messageBurst, maxWriteQueueBytes);
    }

    public LimitsConfig withPendingHandshakes(int max) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, max, messageRate, messageBurst, maxWriteQueueBytes);
    }

    public LimitsConfig withMessageRate(double rate, int burst) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, rate, burst, maxWriteQueueBytes);
    }

    public LimitsConfig withWriteQueueBytes(int bytes) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst, bytes);
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
        if (maxWriteQueueBytes < 4096) {
            problems.add("p2p.limits.max-write-queue-bytes must be at least 4096, was " + maxWriteQueueBytes);
        }
        return problems;
    }
}
