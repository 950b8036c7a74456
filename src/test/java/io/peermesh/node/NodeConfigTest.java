package io.peermesh.node;

import io.peermesh.node.config.NodeConfig;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {

    /** Builds and returns the failure message, failing the test if the build succeeds. */
    private static String failure(NodeConfig.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    private static void assertMentions(String message, String... keys) {
        for (String key : keys) {
            assertTrue(message.contains(key), "expected '" + key + "' in: " + message);
        }
    }

    @Test
    void defaultsBuild() {
        NodeConfig c = NodeConfig.builder().build();
        assertEquals("0.0.0.0", c.host());
        assertEquals(5999, c.port());
        assertEquals(NodeConfig.DEFAULT_PORT, c.port());
        assertNull(c.advertise());
        assertEquals(List.of(), c.bootstrap());
        assertEquals("peermesh", c.network());
        assertEquals(Duration.ofSeconds(2), c.pingInterval());
        assertEquals(Duration.ofSeconds(6), c.pingTimeout());
        assertEquals(1, c.minPeers());
        assertEquals(65536, c.maxFrameBytes());
        assertTrue(c.dialBackoffMin().compareTo(c.dialBackoffMax()) <= 0);
    }

    @Test
    void toBuilderRebuildsAnEqualConfig() {
        NodeConfig c = NodeConfig.builder()
                .port(0)
                .network("test-net")
                .addBootstrap(HostPort.require("10.0.0.7:5999", "bootstrap"))
                .advertise(HostPort.require("peers.example:6000", "advertise"))
                .minPeers(3)
                .internalPingTimer(false)
                .build();
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void bootstrapListIsACopy() {
        NodeConfig.Builder b = NodeConfig.builder().addBootstrap(HostPort.require("10.0.0.7:5999", "bootstrap"));
        NodeConfig c = b.build();
        b.addBootstrap(HostPort.require("10.0.0.8:5999", "bootstrap"));
        assertEquals(1, c.bootstrap().size());
        assertThrows(UnsupportedOperationException.class, () -> c.bootstrap().clear());
    }

    @Test
    void pingTimeoutNotLongerThanPingIntervalFailsNamingBothKeys() {
        String equal = failure(NodeConfig.builder().pingInterval(Duration.ofSeconds(5)).pingTimeout(Duration.ofSeconds(5)));
        assertMentions(equal, "p2p.ping-timeout", "p2p.ping-interval");

        String shorter = failure(NodeConfig.builder().pingInterval(Duration.ofSeconds(5)).pingTimeout(Duration.ofSeconds(1)));
        assertMentions(shorter, "p2p.ping-timeout", "p2p.ping-interval");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bad network", "mesh/1", "caf\u00e9", "x\n"})
    void badNetworkNameFailsNamingTheKey(String network) {
        assertMentions(failure(NodeConfig.builder().network(network)), "p2p.network");
    }

    @Test
    void overlongOrNullNetworkNameFailsNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().network("n".repeat(65))), "p2p.network");
        assertMentions(failure(NodeConfig.builder().network(null)), "p2p.network");
        assertEquals("n".repeat(64), NodeConfig.builder().network("n".repeat(64)).build().network());
    }

    @Test
    void negativeMinPeersFailsNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().minPeers(-1)), "p2p.min-peers");
        assertEquals(0, NodeConfig.builder().minPeers(0).build().minPeers());
    }

    @Test
    void portOutOfRangeFailsNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().port(70000)), "p2p.port");
        assertMentions(failure(NodeConfig.builder().port(-1)), "p2p.port");
        assertEquals(0, NodeConfig.builder().port(0).build().port());
        assertEquals(65535, NodeConfig.builder().port(65535).build().port());
    }

    @Test
    void tinyMaxFrameBytesFailsNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().maxFrameBytes(10)), "p2p.max-frame-bytes");
        assertMentions(failure(NodeConfig.builder().maxFrameBytes(16 * 1024 * 1024 + 1)), "p2p.max-frame-bytes");
        assertEquals(1024, NodeConfig.builder().maxFrameBytes(1024).build().maxFrameBytes());
    }

    @Test
    void backoffMaxBelowMinFailsNamingTheKeys() {
        String message = failure(NodeConfig.builder().dialBackoff(Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertMentions(message, "p2p.dial-backoff-max", "p2p.dial-backoff-min");
        NodeConfig equal = NodeConfig.builder().dialBackoff(Duration.ofSeconds(5), Duration.ofSeconds(5)).build();
        assertEquals(equal.dialBackoffMin(), equal.dialBackoffMax());
    }

    @Test
    void missingOrTooShortDurationsFailNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().handshakeTimeout(null)), "p2p.handshake-timeout");
        assertMentions(failure(NodeConfig.builder().connectTimeout(Duration.ZERO)), "p2p.connect-timeout");
        assertMentions(failure(NodeConfig.builder().pingInterval(Duration.ofMillis(-1))), "p2p.ping-interval");
    }

    @Test
    void blankHostFailsNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().host(" ")), "p2p.host");
    }

    @Test
    void wildcardAdvertiseFailsNamingTheKey() {
        assertMentions(failure(NodeConfig.builder().advertise(new HostPort("0.0.0.0", 5999))), "p2p.advertise");
    }

    @Test
    void severalProblemsAreAllReportedInOneMessage() {
        String message = failure(NodeConfig.builder()
                .port(70000)
                .network("bad network")
                .minPeers(-1)
                .maxFrameBytes(10)
                .pingInterval(Duration.ofSeconds(5))
                .pingTimeout(Duration.ofSeconds(5))
                .dialBackoff(Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertMentions(message, "p2p.port", "p2p.network", "p2p.min-peers", "p2p.max-frame-bytes",
                "p2p.ping-timeout", "p2p.ping-interval", "p2p.dial-backoff-max");
    }
}
