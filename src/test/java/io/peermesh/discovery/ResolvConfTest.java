package io.peermesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.peermesh.wire.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;

/** resolv.conf as a pod has it, and the query order the C library would use. */
class ResolvConfTest {

    private static final ResolvConf POD = ResolvConf.parse(List.of(
            "# written by kubelet",
            "search default.svc.cluster.local svc.cluster.local cluster.local",
            "nameserver 10.96.0.10",
            "options ndots:5"));

    @Test
    void aPodsResolvConfIsRead() {
        assertEquals(List.of(new HostPort("10.96.0.10", 53)), POD.nameservers());
        assertEquals(List.of("default.svc.cluster.local", "svc.cluster.local", "cluster.local"), POD.search());
        assertEquals(5, POD.ndots());
    }

    @Test
    void aShortServiceNameTriesTheSearchDomainsFirst() {
        assertEquals(List.of("peermesh-peers.default.svc.cluster.local", "peermesh-peers.svc.cluster.local",
                "peermesh-peers.cluster.local", "peermesh-peers"), POD.candidates("peermesh-peers"));
    }

    @Test
    void anFqdnWithATrailingDotIsAskedAsIs() {
        assertEquals(List.of("peermesh-peers.default.svc.cluster.local"),
                POD.candidates("peermesh-peers.default.svc.cluster.local."));
    }

    @Test
    void aNameWithAtLeastNdotsDotsIsTriedAbsoluteFirst() {
        ResolvConf conf = ResolvConf.parse(List.of("search example.org", "options ndots:1"));
        assertEquals(List.of("peers.mesh.test", "peers.mesh.test.example.org"), conf.candidates("peers.mesh.test"));
    }

    @Test
    void ipv6NameserversAndTheLastSearchLineWin() {
        ResolvConf conf = ResolvConf.parse(List.of("nameserver ::1", "search a.example", "domain b.example", "options ndots:x"));
        assertEquals(List.of(new HostPort("::1", 53)), conf.nameservers());
        assertEquals(List.of("b.example"), conf.search());
        assertEquals(1, conf.ndots());
    }
}
