package io.peermesh.service;

import io.peermesh.broadcast.BroadcastConfig;
import io.peermesh.node.DiscoveryConfig;
import io.peermesh.node.LimitsConfig;
import io.peermesh.node.NodeConfig;
import io.peermesh.node.PeerTls;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Turns the Quarkus {@link P2pConfig} into the core's {@link NodeConfig}, failing with what to change. */
final class NodeConfigFactory {

    /** Pings more often than this per peer are not supported (the ping timeout and the RTT figures assume it). */
    static final Duration MIN_SCHEDULED_INTERVAL = Duration.ofSeconds(1);

    private NodeConfigFactory() {
    }

    static NodeConfig from(P2pConfig c, TlsConfigurationRegistry tlsRegistry) {
        List<String> problems = new ArrayList<>();
        PeerTls tls = peerTls(c.tls().configurationName(), tlsRegistry, problems);
        List<HostPort> bootstrap = new ArrayList<>();
        for (String entry : c.bootstrap().orElse(List.of())) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            HostPort.parse(trimmed).ifPresentOrElse(bootstrap::add, () -> problems.add(
                    "p2p.bootstrap entry '" + trimmed + "' is not host:port (e.g. 10.0.0.7:5999 or [::1]:5999)"));
        }
        HostPort advertise = null;
        if (c.advertise().isPresent() && !c.advertise().get().isBlank()) {
            advertise = HostPort.parse(c.advertise().get().trim()).orElse(null);
            if (advertise == null) {
                problems.add("p2p.advertise '" + c.advertise().get() + "' is not host:port (e.g. 10.0.0.7:5999)");
            }
        }
        List<HostPort> dnsServers = new ArrayList<>();
        for (String entry : c.discovery().dnsServer().orElse(List.of())) {
            String trimmed = entry.trim();
            if (!trimmed.isEmpty()) {
                HostPort.parse(trimmed.contains(":") ? trimmed : trimmed + ":53").ifPresentOrElse(dnsServers::add,
                        () -> problems.add("p2p.discovery.dns-server entry '" + trimmed + "' is not host or host:port"));
            }
        }
        Metadata metadata = Metadata.EMPTY;
        for (Map.Entry<String, String> e : c.metadata().entrySet()) {
            String problem = Metadata.keyProblem(e.getKey());
            if (problem != null) {
                problems.add("p2p.metadata." + e.getKey() + ": " + problem);
            }
        }
        if (problems.isEmpty()) {
            try {
                metadata = Metadata.of(c.metadata());
            } catch (IllegalArgumentException e) {
                problems.add("p2p.metadata.*: " + e.getMessage() + "; set fewer or shorter pairs");
            }
        }
        if (c.rttWarmup() < 0 || c.rttWarmup() > 1_000_000) {
            problems.add("p2p.rtt-warmup must be 0 (no warm-up) to 1000000 round trips, was " + c.rttWarmup());
        }
        if (c.pingInterval().compareTo(MIN_SCHEDULED_INTERVAL) < 0) {
            problems.add("p2p.ping-interval must be at least 1s, was " + c.pingInterval());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid peermesh configuration: " + String.join("; ", problems));
        }
        return NodeConfig.builder()
                .host(c.host()).port(c.port()).advertise(advertise).bootstrap(bootstrap).network(c.network())
                .pingInterval(c.pingInterval()).pingTimeout(c.pingTimeout()).pingFollowUp(c.pingFollowUp())
                .handshakeTimeout(c.handshakeTimeout())
                .connectTimeout(c.connectTimeout()).dialBackoff(c.dialBackoffMin(), c.dialBackoffMax())
                .maxFrameBytes(c.maxFrameBytes()).minPeers(c.minPeers())
                .maxPeers(c.maxPeers()).maxKnownAddresses(c.maxKnownAddresses())
                .limits(new LimitsConfig(c.limits().maxInbound(), c.limits().maxInboundPerIp(),
                        c.limits().maxPendingHandshakes(), c.limits().messageRate(), c.limits().messageBurst(),
                        c.limits().maxWriteQueueBytes(), c.limits().banDuration(),
                        c.limits().banOffences()))
                .discovery(new DiscoveryConfig(c.discovery().dns().map(String::trim).filter(s -> !s.isEmpty()).orElse(null),
                        c.discovery().dnsInterval(), dnsServers, c.discovery().resolvConf(), c.discovery().dnsTimeout(),
                        c.discovery().getaddrInterval(), c.discovery().addrRate(), c.discovery().addrBurst()))
                .internalPingTimer(false) // PeerService's timer drives the pings, at the node's phase
                .tls(tls)
                .metadata(metadata)
                .broadcast(new BroadcastConfig(c.broadcast().maxPayloadBytes(), c.broadcast().publishRate(),
                        c.broadcast().publishBurst(), c.broadcast().relayRate()))
                .build();
    }

    /**
     * The core's mutual TLS setting from the Quarkus TLS configuration named by
     * {@code p2p.tls.configuration-name}; null (plain TCP) when that is unset. A name without a
     * usable configuration adds a problem saying which {@code quarkus.tls.<name>.*} keys to set.
     */
    static PeerTls peerTls(Optional<String> configurationName, TlsConfigurationRegistry registry, List<String> problems) {
        String name = configurationName.map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        if (name == null) {
            return null;
        }
        String keys = "quarkus.tls." + name + ".key-store.pem.0.cert and quarkus.tls." + name
                + ".key-store.pem.0.key (this node's certificate and private key)";
        String trustKey = "quarkus.tls." + name + ".trust-store.pem.certs (the mesh CA's certificate)";
        String env = "QUARKUS_TLS_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        Optional<TlsConfiguration> found = registry.get(name);
        if (found.isEmpty()) {
            // In the environment the map key "0" must be quoted (__0__): _0_ would be read as a list index.
            problems.add("p2p.tls.configuration-name is '" + name + "' but no TLS configuration of that name exists: set "
                    + keys + " and " + trustKey + " (env " + env + "_KEY_STORE_PEM__0__CERT, " + env
                    + "_KEY_STORE_PEM__0__KEY, " + env + "_TRUST_STORE_PEM_CERTS), or unset p2p.tls.configuration-name"
                    + " for plain TCP");
            return null;
        }
        TlsConfiguration t = found.get();
        int before = problems.size();
        if (t.getKeyStoreOptions() == null) {
            problems.add("TLS configuration '" + name + "' (p2p.tls.configuration-name) has no key store: set " + keys
                    + " (env " + env + "_KEY_STORE_PEM__0__CERT and " + env + "_KEY_STORE_PEM__0__KEY: with double"
                    + " underscores, as _0_ is read as a list index)");
        }
        if (t.isTrustAll()) {
            problems.add("TLS configuration '" + name + "' trusts all certificates (quarkus.tls." + name + ".trust-all):"
                    + " the peer port must trust only the mesh CA; remove trust-all and set " + trustKey);
        } else if (t.getTrustStoreOptions() == null) {
            problems.add("TLS configuration '" + name + "' (p2p.tls.configuration-name) has no trust store: set " + trustKey);
        }
        return problems.size() > before ? null : new PeerTls(t.getKeyStoreOptions(), t.getTrustStoreOptions());
    }
}
