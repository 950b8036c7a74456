package io.peermesh.service;

import io.peermesh.broadcast.BroadcastConfig;
import io.peermesh.node.Defaults;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code p2p.*} configuration (each key also settable as {@code P2P_*} in the environment).
 * Values are checked again as a whole by {@link io.peermesh.node.NodeConfig.Builder#build()}.
 * A default the core's builders also need is a constant of {@link Defaults} (or {@link BroadcastConfig}),
 * written once (issue #11); the literals here (rtt-warmup, api.*) have no counterpart in the core.
 */
@ConfigMapping(prefix = "p2p")
public interface P2pConfig {

    /** TCP port of the peer server; 0 picks a free one. */
    @WithDefault(Defaults.PORT)
    int port();

    /** Address the peer server binds to. */
    @WithDefault(Defaults.HOST)
    String host();

    /** {@code host:port} announced to peers; default: the bind host, or this machine's first IPv4 address. */
    Optional<String> advertise();

    /** Comma-separated {@code host:port} addresses dialled at start and re-dialled with backoff. */
    Optional<List<String>> bootstrap();

    /** Mesh name; a hello from another network is refused. */
    @WithDefault(Defaults.NETWORK)
    String network();

    /** Time between pings to each peer (at least 1s). */
    @WithDefault(Defaults.PING_INTERVAL)
    Duration pingInterval();

    /** A peer that leaves a ping unanswered this long is disconnected. */
    @WithDefault(Defaults.PING_TIMEOUT)
    Duration pingTimeout();

    /**
     * Answer each round's pong with a second ping and report that one's round trip: the first wakes
     * both idle processes, the second measures the link (README "Round-trip times"); false: one ping a round.
     */
    @WithDefault(Defaults.PING_FOLLOW_UP)
    boolean pingFollowUp();

    /**
     * Round trips two private nodes ping each other over loopback right after start (beside the
     * node, within 5 s), so that the JIT compiles the ping path soon (README "Round-trip times"); 0: none.
     * 3,000 get it compiled by C1 (the deployed -XX:TieredStopAtLevel=1); C2 would need about 20,000.
     */
    @WithDefault("3000")
    long rttWarmup();

    /** A connection whose hello exchange is not done within this is closed. */
    @WithDefault(Defaults.HANDSHAKE_TIMEOUT)
    Duration handshakeTimeout();

    /** A TCP connect that takes longer than this fails as a timeout. */
    @WithDefault(Defaults.CONNECT_TIMEOUT)
    Duration connectTimeout();

    /** First re-dial delay after a failure; doubles per failure, with jitter. */
    @WithDefault(Defaults.DIAL_BACKOFF_MIN)
    Duration dialBackoffMin();

    /** Longest re-dial delay. */
    @WithDefault(Defaults.DIAL_BACKOFF_MAX)
    Duration dialBackoffMax();

    /** Longest accepted line in bytes, without its newline. */
    @WithDefault(Defaults.MAX_FRAME_BYTES)
    int maxFrameBytes();

    /** Handshaked peers needed for readiness. */
    @WithDefault(Defaults.MIN_PEERS)
    int minPeers();

    /** Most peers, inbound and outbound together; further learned addresses wait for a free slot. */
    @WithDefault(Defaults.MAX_PEERS)
    int maxPeers();

    /** Most addresses remembered for dialling. */
    @WithDefault(Defaults.MAX_KNOWN_ADDRESSES)
    int maxKnownAddresses();

    /** How peers are found beyond the bootstrap list. */
    Discovery discovery();

    /** What peers can make this node hold. */
    Limits limits();

    /** Mutual TLS on the peer port. */
    Tls tls();

    /**
     * String pairs announced with this node ({@code p2p.metadata.zone=eu-west-1a}, env
     * {@code P2P_METADATA_ZONE}); keys [A-Za-z0-9._-]{1,64}, at most 4096 bytes in all.
     */
    Map<String, String> metadata();

    /** The application API (members, metadata, broadcast). */
    Api api();

    /** Broadcast limits. */
    Broadcast broadcast();

    interface Api {
        /**
         * Who may call the write endpoints (PUT /node/metadata, POST /broadcast): {@code off},
         * {@code loopback} (only from 127.0.0.1 and ::1: an application beside the node) or {@code on}.
         */
        @WithDefault("off")
        String writes();

        /**
         * Event streams (/members/stream, /messages/stream) open at once; one more is answered 503.
         * Each holds at most 4096 events or 1 MiB unsent, so this bounds what slow clients can cost.
         */
        @WithDefault("100")
        int maxStreams();
    }

    interface Broadcast {
        /**
         * Largest payload (its JSON, in bytes) one broadcast may carry; at most max-frame-bytes less
         * 512 bytes of envelope (a larger value is lowered to that).
         */
        @WithDefault(BroadcastConfig.DEFAULT_MAX_PAYLOAD_BYTES)
        int maxPayloadBytes();

        /** Broadcasts per second this node accepts from its local API, sustained (HTTP 429 beyond). */
        @WithDefault(BroadcastConfig.DEFAULT_PUBLISH_RATE)
        double publishRate();

        /** Burst allowance of publish-rate. */
        @WithDefault(BroadcastConfig.DEFAULT_PUBLISH_BURST)
        int publishBurst();

        /** Broadcasts per second accepted from one peer (relayed ones included); more are dropped and counted. */
        @WithDefault(BroadcastConfig.DEFAULT_RELAY_RATE)
        double relayRate();
    }

    interface Tls {
        /**
         * Name of the Quarkus TLS configuration ({@code quarkus.tls.<name>.*}: this node's certificate
         * and key, and the mesh CA as trust store) that secures the peer port; unset: plain TCP.
         */
        Optional<String> configurationName();
    }

    interface Limits {
        /** Inbound connections at once, handshaking or established. */
        @WithDefault(Defaults.LIMITS_MAX_INBOUND)
        int maxInbound();

        /**
         * Inbound connections from one remote IP still in their handshake; established peers are bounded
         * by max-inbound and p2p.max-peers (peers behind one sidecar or NAT address are not capped).
         */
        @WithDefault(Defaults.LIMITS_MAX_INBOUND_PER_IP)
        int maxInboundPerIp();

        /** Connections waiting for their hello exchange. */
        @WithDefault(Defaults.LIMITS_MAX_PENDING_HANDSHAKES)
        int maxPendingHandshakes();

        /** Messages per second one connection may send, sustained. */
        @WithDefault(Defaults.LIMITS_MESSAGE_RATE)
        double messageRate();

        /** Messages one connection may send in a burst. */
        @WithDefault(Defaults.LIMITS_MESSAGE_BURST)
        int messageBurst();

        /** Bytes queued for a peer that does not read before it is disconnected. */
        @WithDefault(Defaults.LIMITS_MAX_WRITE_QUEUE_BYTES)
        int maxWriteQueueBytes();

        /**
         * How long offences against an address count, and how long an address that reached ban-offences
         * is refused (0s: never refuse an address).
         */
        @WithDefault(Defaults.LIMITS_BAN_DURATION)
        Duration banDuration();

        /** Offences (protocol errors, floods) from one address, with no valid handshake between, before it is refused. */
        @WithDefault(Defaults.LIMITS_BAN_OFFENCES)
        int banOffences();
    }

    interface Discovery {
        /** DNS name listing every peer (a headless Service, e.g. peermesh-peers); unset: no DNS discovery. */
        Optional<String> dns();

        /** Time between DNS lookups (jittered ±20%); a lost peer triggers one at once. */
        @WithDefault(Defaults.DISCOVERY_DNS_INTERVAL)
        Duration dnsInterval();

        /** Comma-separated name servers ({@code host:port}) instead of those in resolv.conf. */
        Optional<List<String>> dnsServer();

        /** Resolver configuration: name servers, search domains, ndots. */
        @WithDefault(Defaults.DISCOVERY_RESOLV_CONF)
        String resolvConf();

        /** Deadline of one DNS query. */
        @WithDefault(Defaults.DISCOVERY_DNS_TIMEOUT)
        Duration dnsTimeout();

        /** How often a random peer is asked for the peers it knows (jittered). */
        @WithDefault(Defaults.DISCOVERY_GETADDR_INTERVAL)
        Duration getaddrInterval();

        /** addr entries per second accepted from one peer beyond answers to our getaddr. */
        @WithDefault(Defaults.DISCOVERY_ADDR_RATE)
        double addrRate();

        /** Burst allowance of addr-rate. */
        @WithDefault(Defaults.DISCOVERY_ADDR_BURST)
        int addrBurst();
    }
}
