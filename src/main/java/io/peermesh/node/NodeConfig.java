package io.peermesh.node;

import io.peermesh.broadcast.BroadcastConfig;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a node needs to know, as one validated value. Build it with {@link #builder()};
 * {@link Builder#build()} fails with a message that names the {@code p2p.*} key to change, so the
 * Quarkus adapter can pass user config straight through and a bad value stops the start.
 *
 * @param host             address the peer server binds to ({@code p2p.host})
 * @param port             peer port, 0 for an ephemeral one ({@code p2p.port})
 * @param advertise        address announced in hello; null to derive it from the bound address
 * @param bootstrap        addresses dialled at start and re-dialled with backoff
 * @param network          mesh name; hellos from another network are refused
 * @param pingInterval     time between pings to each peer
 * @param pingTimeout      a ping unanswered this long drops the peer
 * @param handshakeTimeout a connection without a completed handshake this long is closed
 * @param connectTimeout   a TCP connect that takes longer counts as a timed-out dial
 * @param dialBackoffMin   first re-dial delay; doubles per failure (with jitter)
 * @param dialBackoffMax   cap of the re-dial delay
 * @param maxFrameBytes    longest accepted line, without its newline
 * @param minPeers         handshaked peers needed to be ready
 * @param internalPingTimer true: the node schedules its own pings; false: an external scheduler
 *                         calls {@link PeerNode#pingRound()} (the service's Vert.x timer)
 * @param maxPeers         most peers (inbound + outbound); learned addresses beyond wait for a slot
 * @param maxKnownAddresses most addresses remembered for dialling
 * @param discovery        DNS discovery and peer exchange settings
 * @param limits           connection caps, message rate and write-queue bounds
 * @param tls              mutual TLS on the peer port; null for plain TCP
 * @param metadata         string pairs announced with the node ({@code p2p.metadata.*})
 * @param broadcast        broadcast limits ({@code p2p.broadcast.*})
 * @param pingFollowUp     true: each round's pong is answered with a second ping whose round trip
 *                         is the sample (see PingTracker); false: every ping's round trip is one
 */
public record NodeConfig(
        String host,
        int port,
        HostPort advertise,
        List<HostPort> bootstrap,
        String network,
        Duration pingInterval,
        Duration pingTimeout,
        Duration handshakeTimeout,
        Duration connectTimeout,
        Duration dialBackoffMin,
        Duration dialBackoffMax,
        int maxFrameBytes,
        int minPeers,
        boolean internalPingTimer,
        int maxPeers,
        int maxKnownAddresses,
        DiscoveryConfig discovery,
        LimitsConfig limits,
        PeerTls tls,
        Metadata metadata,
        BroadcastConfig broadcast,
        boolean pingFollowUp) {

    public static final int PROTOCOL_VERSION = 2;
    public static final int DEFAULT_PORT = Defaults.integer(Defaults.PORT);
    private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public NodeConfig {
        bootstrap = List.copyOf(bootstrap);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preloaded with this config's values. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).advertise(advertise).bootstrap(bootstrap).network(network)
                .pingInterval(pingInterval).pingTimeout(pingTimeout).handshakeTimeout(handshakeTimeout)
                .connectTimeout(connectTimeout).dialBackoff(dialBackoffMin, dialBackoffMax)
                .maxFrameBytes(maxFrameBytes).minPeers(minPeers).internalPingTimer(internalPingTimer)
                .maxPeers(maxPeers).maxKnownAddresses(maxKnownAddresses).discovery(discovery).limits(limits).tls(tls)
                .metadata(metadata).broadcast(broadcast).pingFollowUp(pingFollowUp);
    }

    /** Mutable builder with the documented defaults: those of {@link Defaults}, which P2pConfig declares too. */
    public static final class Builder {
        private String host = Defaults.HOST;
        private int port = DEFAULT_PORT;
        private HostPort advertise;
        private List<HostPort> bootstrap = new ArrayList<>();
        private String network = Defaults.NETWORK;
        private Duration pingInterval = Defaults.duration(Defaults.PING_INTERVAL);
        private Duration pingTimeout = Defaults.duration(Defaults.PING_TIMEOUT);
        private boolean pingFollowUp = Defaults.bool(Defaults.PING_FOLLOW_UP);
        private Duration handshakeTimeout = Defaults.duration(Defaults.HANDSHAKE_TIMEOUT);
        private Duration connectTimeout = Defaults.duration(Defaults.CONNECT_TIMEOUT);
        private Duration dialBackoffMin = Defaults.duration(Defaults.DIAL_BACKOFF_MIN);
        private Duration dialBackoffMax = Defaults.duration(Defaults.DIAL_BACKOFF_MAX);
        private int maxFrameBytes = Defaults.integer(Defaults.MAX_FRAME_BYTES);
        private int minPeers = Defaults.integer(Defaults.MIN_PEERS);
        private boolean internalPingTimer = true;
        private int maxPeers = Defaults.integer(Defaults.MAX_PEERS);
        private int maxKnownAddresses = Defaults.integer(Defaults.MAX_KNOWN_ADDRESSES);
        private DiscoveryConfig discovery = DiscoveryConfig.DEFAULTS;
        private LimitsConfig limits = LimitsConfig.DEFAULTS;
        private PeerTls tls;
        private Metadata metadata = Metadata.EMPTY;
        private BroadcastConfig broadcast = BroadcastConfig.DEFAULTS;

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder advertise(HostPort v) { advertise = v; return this; }
        public Builder bootstrap(List<HostPort> v) { bootstrap = new ArrayList<>(v); return this; }
        public Builder addBootstrap(HostPort v) { bootstrap.add(v); return this; }
        public Builder network(String v) { network = v; return this; }
        public Builder pingInterval(Duration v) { pingInterval = v; return this; }
        public Builder pingTimeout(Duration v) { pingTimeout = v; return this; }
        public Builder pingFollowUp(boolean v) { pingFollowUp = v; return this; }
        public Builder handshakeTimeout(Duration v) { handshakeTimeout = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder dialBackoff(Duration min, Duration max) { dialBackoffMin = min; dialBackoffMax = max; return this; }
        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        public Builder minPeers(int v) { minPeers = v; return this; }
        public Builder internalPingTimer(boolean v) { internalPingTimer = v; return this; }
        public Builder maxPeers(int v) { maxPeers = v; return this; }
        public Builder maxKnownAddresses(int v) { maxKnownAddresses = v; return this; }
        public Builder discovery(DiscoveryConfig v) { discovery = v; return this; }
        public Builder limits(LimitsConfig v) { limits = v; return this; }
        /** Mutual TLS on the peer port; null (the default) for plain TCP. */
        public Builder tls(PeerTls v) { tls = v; return this; }
        /** Pairs announced with the node ({@code p2p.metadata.*}); checked when set. */
        public Builder metadata(Metadata v) { metadata = v; return this; }
        public Builder broadcast(BroadcastConfig v) { broadcast = v; return this; }

        /** Validates and builds; throws {@link IllegalArgumentException} saying what to change. */
        public NodeConfig build() {
            List<String> problems = new ArrayList<>();
            if (host == null || host.isBlank()) {
                problems.add("p2p.host must be an address to bind to, e.g. 0.0.0.0");
            }
            if (port < 0 || port > 65535) {
                problems.add("p2p.port must be 0..65535 (0 picks a free port), was " + port);
            }
            if (network == null || !NETWORK.matcher(network).matches()) {
                problems.add("p2p.network must be 1-64 characters of letters, digits, '.', '_' or '-', was '" + network + "'");
            }
            positive(problems, "p2p.ping-interval", pingInterval, Duration.ofMillis(10));
            positive(problems, "p2p.ping-timeout", pingTimeout, Duration.ofMillis(10));
            positive(problems, "p2p.handshake-timeout", handshakeTimeout, Duration.ofMillis(10));
            positive(problems, "p2p.connect-timeout", connectTimeout, Duration.ofMillis(10));
            positive(problems, "p2p.dial-backoff-min", dialBackoffMin, Duration.ofMillis(1));
            positive(problems, "p2p.dial-backoff-max", dialBackoffMax, Duration.ofMillis(1));
            if (pingInterval != null && pingTimeout != null && pingTimeout.compareTo(pingInterval) <= 0) {
                problems.add("p2p.ping-timeout (" + pingTimeout + ") must be longer than p2p.ping-interval ("
                        + pingInterval + "), or every peer would time out between two pings");
            }
            if (dialBackoffMin != null && dialBackoffMax != null && dialBackoffMax.compareTo(dialBackoffMin) < 0) {
                problems.add("p2p.dial-backoff-max (" + dialBackoffMax + ") must not be shorter than p2p.dial-backoff-min ("
                        + dialBackoffMin + ")");
            }
            if (maxFrameBytes < 1024 || maxFrameBytes > 16 * 1024 * 1024) {
                problems.add("p2p.max-frame-bytes must be 1024..16777216, was " + maxFrameBytes);
            }
            if (minPeers < 0) {
                problems.add("p2p.min-peers must be 0 or more, was " + minPeers);
            }
            if (advertise != null && Objects.equals(advertise.host(), "0.0.0.0")) {
                problems.add("p2p.advertise must be an address peers can dial, not 0.0.0.0");
            }
            if (maxPeers < 1) {
                problems.add("p2p.max-peers must be at least 1, was " + maxPeers);
            } else if (minPeers > maxPeers) {
                problems.add("p2p.min-peers (" + minPeers + ") must not exceed p2p.max-peers (" + maxPeers
                        + "), or the node could never be ready");
            }
            if (maxKnownAddresses < maxPeers) {
                problems.add("p2p.max-known-addresses (" + maxKnownAddresses + ") must be at least p2p.max-peers (" + maxPeers + ")");
            }
            if (discovery == null) {
                problems.add("p2p.discovery must be set");
            } else {
                problems.addAll(discovery.problems());
            }
            if (limits == null) {
                problems.add("p2p.limits must be set");
            } else {
                problems.addAll(limits.problems(maxPeers));
            }
            if (broadcast == null) {
                problems.add("p2p.broadcast must be set");
            } else {
                problems.addAll(broadcast.problems());
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Invalid peermesh configuration: " + String.join("; ", problems));
            }
            return new NodeConfig(host, port, advertise, bootstrap, network, pingInterval, pingTimeout,
                    handshakeTimeout, connectTimeout, dialBackoffMin, dialBackoffMax, maxFrameBytes, minPeers,
                    internalPingTimer, maxPeers, maxKnownAddresses, discovery, limits, tls,
                    metadata == null ? Metadata.EMPTY : metadata, broadcast.fittedTo(maxFrameBytes), pingFollowUp);
        }

        private static void positive(List<String> problems, String key, Duration d, Duration min) {
            if (d == null) {
                problems.add(key + " must be set");
            } else if (d.compareTo(min) < 0) {
                problems.add(key + " must be at least " + min.toMillis() + "ms, was " + d);
            }
        }
    }
}
