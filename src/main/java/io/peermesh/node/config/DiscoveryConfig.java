package io.peermesh.node.config;

import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a node finds peers beyond its bootstrap list: a DNS name (a Kubernetes headless Service)
 * and peer exchange ({@code getaddr}/{@code addr}).
 *
 * @param dns              name resolving to every peer (A/AAAA; an {@code _srv._tcp.name} gives ports), or null
 * @param dnsInterval      time between lookups (jittered ±20%)
 * @param dnsServers       name servers to ask; empty: those of {@code resolvConf}
 * @param resolvConf       resolver configuration file (search domains, ndots, name servers)
 * @param dnsTimeout       one DNS query's deadline
 * @param getaddrInterval  how often a random peer is asked for addresses (jittered), the safety net of gossip
 * @param addrRate         addr entries per second accepted from one peer, beyond answers to our getaddr
 * @param addrBurst        token-bucket depth for {@code addrRate}
 */
public record DiscoveryConfig(
        String dns,
        Duration dnsInterval,
        List<HostPort> dnsServers,
        String resolvConf,
        Duration dnsTimeout,
        Duration getaddrInterval,
        double addrRate,
        int addrBurst) {

    /** No DNS name and the resolver's own servers (both unset in P2pConfig); the rest from {@link Defaults}. */
    public static final DiscoveryConfig DEFAULTS = new DiscoveryConfig(null,
            Defaults.duration(Defaults.DISCOVERY_DNS_INTERVAL), List.of(), Defaults.DISCOVERY_RESOLV_CONF,
            Defaults.duration(Defaults.DISCOVERY_DNS_TIMEOUT), Defaults.duration(Defaults.DISCOVERY_GETADDR_INTERVAL),
            Defaults.decimal(Defaults.DISCOVERY_ADDR_RATE), Defaults.integer(Defaults.DISCOVERY_ADDR_BURST));

    public DiscoveryConfig {
        dnsServers = List.copyOf(dnsServers);
    }

    public DiscoveryConfig withDns(String name) {
        return new DiscoveryConfig(name, dnsInterval, dnsServers, resolvConf, dnsTimeout, getaddrInterval, addrRate, addrBurst);
    }

    public DiscoveryConfig withDnsInterval(Duration interval) {
        return new DiscoveryConfig(dns, interval, dnsServers, resolvConf, dnsTimeout, getaddrInterval, addrRate, addrBurst);
    }

    public DiscoveryConfig withDnsServers(List<HostPort> servers) {
        return new DiscoveryConfig(dns, dnsInterval, servers, resolvConf, dnsTimeout, getaddrInterval, addrRate, addrBurst);
    }

    public DiscoveryConfig withGetaddrInterval(Duration interval) {
        return new DiscoveryConfig(dns, dnsInterval, dnsServers, resolvConf, dnsTimeout, interval, addrRate, addrBurst);
    }

    public DiscoveryConfig withAddrRate(double rate, int burst) {
        return new DiscoveryConfig(dns, dnsInterval, dnsServers, resolvConf, dnsTimeout, getaddrInterval, rate, burst);
    }

    public DiscoveryConfig withDnsTimeout(Duration timeout) {
        return new DiscoveryConfig(dns, dnsInterval, dnsServers, resolvConf, timeout, getaddrInterval, addrRate, addrBurst);
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (dns != null && (dns.isBlank() || dns.length() > 253 || !dns.matches("[A-Za-z0-9_.-]+"))) {
            problems.add("p2p.discovery.dns must be a DNS name such as peermesh-peers or "
                    + "peermesh-peers.default.svc.cluster.local, was '" + dns + "'");
        }
        if (dnsInterval == null || dnsInterval.toMillis() < 100) {
            problems.add("p2p.discovery.dns-interval must be at least 100ms, was " + dnsInterval);
        }
        if (dnsTimeout == null || dnsTimeout.toMillis() < 10) {
            problems.add("p2p.discovery.dns-timeout must be at least 10ms, was " + dnsTimeout);
        }
        if (getaddrInterval == null || getaddrInterval.toMillis() < 100) {
            problems.add("p2p.discovery.getaddr-interval must be at least 100ms, was " + getaddrInterval);
        }
        if (!(addrRate > 0) || addrBurst < 1) {
            problems.add("p2p.discovery.addr-rate must be above 0 and p2p.discovery.addr-burst at least 1");
        }
        return problems;
    }
}
