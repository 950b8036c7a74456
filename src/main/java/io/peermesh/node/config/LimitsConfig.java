package io.peermesh.node.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounds on what peers can make this node hold, after Bitcoin Core's: connection caps, a
 * handshake deadline (in NodeConfig), message rates and write buffers.
 *
 * @param maxInbound          inbound connections at once (handshaking or established)
 * @param maxInboundPerIp     inbound connections from one remote IP still in their handshake (established
 *                            ones are bounded by maxInbound and max-peers, so that peers behind one proxy
 *                            address, e.g. a service-mesh sidecar, are not capped)
 * @param maxPendingHandshakes connections (both directions) waiting for their hello exchange
 * @param messageRate         messages per second one connection may send, sustained
 * @param messageBurst        messages one connection may send in a burst
 * @param maxWriteQueueBytes  bytes queued for a peer that does not read before it is disconnected
 * @param banDuration         how long offences against an address count, and how long an address that
 *                            reached banOffences is refused (0: never), see {@link Penalties}
 * @param banOffences         offences from one address, with no valid handshake from it in between,
 *                            after which it is refused
 */
public record LimitsConfig(int maxInbound, int maxInboundPerIp, int maxPendingHandshakes, double messageRate,
        int messageBurst, int maxWriteQueueBytes, java.time.Duration banDuration, int banOffences) {

    /** The defaults of {@code p2p.limits.*}, from {@link Defaults}. */
    public static final LimitsConfig DEFAULTS = new LimitsConfig(Defaults.integer(Defaults.LIMITS_MAX_INBOUND),
            Defaults.integer(Defaults.LIMITS_MAX_INBOUND_PER_IP), Defaults.integer(Defaults.LIMITS_MAX_PENDING_HANDSHAKES),
            Defaults.decimal(Defaults.LIMITS_MESSAGE_RATE), Defaults.integer(Defaults.LIMITS_MESSAGE_BURST),
            Defaults.integer(Defaults.LIMITS_MAX_WRITE_QUEUE_BYTES), Defaults.duration(Defaults.LIMITS_BAN_DURATION),
            Defaults.integer(Defaults.LIMITS_BAN_OFFENCES));

    public LimitsConfig(int maxInbound, int maxInboundPerIp, int maxPendingHandshakes, double messageRate,
            int messageBurst, int maxWriteQueueBytes) {
        this(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst, maxWriteQueueBytes,
                DEFAULTS.banDuration, DEFAULTS.banOffences);
    }

    public LimitsConfig withBanDuration(java.time.Duration ban) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst,
                maxWriteQueueBytes, ban, banOffences);
    }

    public LimitsConfig withBanOffences(int offences) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst,
                maxWriteQueueBytes, banDuration, offences);
    }

    public LimitsConfig withInbound(int total, int perIp) {
        return new LimitsConfig(total, perIp, maxPendingHandshakes, messageRate, messageBurst, maxWriteQueueBytes, banDuration, banOffences);
    }

    public LimitsConfig withPendingHandshakes(int max) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, max, messageRate, messageBurst, maxWriteQueueBytes, banDuration, banOffences);
    }

    public LimitsConfig withMessageRate(double rate, int burst) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, rate, burst, maxWriteQueueBytes, banDuration, banOffences);
    }

    public LimitsConfig withWriteQueueBytes(int bytes) {
        return new LimitsConfig(maxInbound, maxInboundPerIp, maxPendingHandshakes, messageRate, messageBurst, bytes, banDuration, banOffences);
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
        if (banOffences < 1) {
            problems.add("p2p.limits.ban-offences must be at least 1, was " + banOffences);
        }
        if (maxWriteQueueBytes < 4096) {
            problems.add("p2p.limits.max-write-queue-bytes must be at least 4096, was " + maxWriteQueueBytes);
        }
        return problems;
    }
}
