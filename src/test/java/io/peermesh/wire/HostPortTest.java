package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

    static Stream<Arguments> validAddresses() {
        return Stream.of(
                Arguments.of("10.0.0.7:5999", "10.0.0.7", 5999),
                Arguments.of("peers.example:5999", "peers.example", 5999),
                Arguments.of("peermesh-peers:5999", "peermesh-peers", 5999),
                Arguments.of("[::1]:5999", "::1", 5999),
                Arguments.of("[fe80::1%eth0]:6000", "fe80::1%eth0", 6000),
                Arguments.of("[::]:5999", "::", 5999),
                Arguments.of("[2001:db8:0:0:0:0:0:1]:5999", "2001:db8:0:0:0:0:0:1", 5999),
                Arguments.of("[2001:DB8::A:1]:5999", "2001:DB8::A:1", 5999),
                Arguments.of("[::ffff:10.0.0.7]:5999", "::ffff:10.0.0.7", 5999),
                Arguments.of("localhost:1", "localhost", 1),
                Arguments.of("node_1.peers.svc.cluster.local:65535", "node_1.peers.svc.cluster.local", 65535));
    }

    @ParameterizedTest
    @MethodSource("validAddresses")
    void parseAcceptsHostAndPort(String text, String host, int port) {
        assertEquals(Optional.of(new HostPort(host, port)), HostPort.parse(text));
    }

    @ParameterizedTest
    @MethodSource("validAddresses")
    void toStringRoundTripsIncludingIpv6Brackets(String text) {
        HostPort parsed = HostPort.parse(text).orElseThrow();
        assertEquals(text, parsed.toString());
        assertEquals(Optional.of(parsed), HostPort.parse(parsed.toString()));
    }

    @Test
    void ipv6HostIsBracketedByToString() {
        assertEquals("[::1]:5999", new HostPort("::1", 5999).toString());
        assertEquals("10.0.0.7:5999", new HostPort("10.0.0.7", 5999).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "host",
            "10.0.0.7",
            "host:0",
            "host:65536",
            "host:99999",
            "host:123456",
            "host:",
            ":80",
            "a:b:c",
            "::1:5999",
            "host :80",
            " host:80",
            "host: 80",
            "host:80 ",
            "ho st:80",
            "host:12x",
            "host:-1",
            "host:+80",
            "-host:80",
            "host-:80",
            "host..example:80",
            "host/path:80",
            "user@host:80",
            "host\n:80",
            "[::1]",
            "[::1]:",
            "[::1]5999",
            "::1]:5999",
            "[]:5999",
            "[not-v6]:5999",
            "[foo]:1",
            "[peers.example]:5999",
            "[10.0.0.7]:5999",
            "[:::]:5999",
            "[1::2::3]:5999",
            "[12345::1]:5999",
            "[::g]:5999",
            "[fe80::1%]:5999",
            "[fe80::1%eth 0]:5999",
            "[[::1]]:5999",
            "[::1]:80:90",
    })
    void parseRejectsMalformedText(String text) {
        assertEquals(Optional.empty(), HostPort.parse(text), "'" + text + "' must be rejected");
    }

    @Test
    void parseRejectsNull() {
        assertEquals(Optional.empty(), HostPort.parse(null));
    }

    @Test
    void parseRejectsVeryLongStrings() {
        assertEquals(Optional.empty(), HostPort.parse("a".repeat(10_000) + ":80"));
        assertEquals(Optional.empty(), HostPort.parse("a.".repeat(150) + "b:80")); // 301+ chars
        assertEquals(Optional.empty(), HostPort.parse("a".repeat(64) + ":80"));    // label over 63 chars
        assertEquals(Optional.empty(), HostPort.parse("h:" + "8".repeat(10_000)));
        assertEquals(Optional.empty(), HostPort.parse("[" + "1:".repeat(100) + "1]:80"));
    }

    @Test
    void parseAcceptsLongestLabel() {
        String label = "a".repeat(63);
        assertEquals(Optional.of(new HostPort(label, 80)), HostPort.parse(label + ":80"));
    }

    /**
     * The port must be ASCII digits: {@code Character.isDigit} and {@code Integer.parseInt} also take
     * e.g. Arabic-Indic or full-width digits, which would let a peer's raw {@code addr} text (kept
     * verbatim in {@link Message.AddrEntry}) differ from every canonical form of the address.
     */
    @ParameterizedTest
    @ValueSource(strings = {"host:\u0665\u0669\u0669\u0669", "host:\uFF15\uFF19\uFF19\uFF19", "[::1]:\u0968\u0966"})
    void parseRejectsNonAsciiDigitsInPort(String text) {
        assertEquals(Optional.empty(), HostPort.parse(text));
    }

    @Test
    void constructorRejectsPortOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new HostPort("host", 0));
        assertThrows(IllegalArgumentException.class, () -> new HostPort("host", 65536));
    }

    @Test
    void requireReturnsTheParsedAddress() {
        assertEquals(new HostPort("peers.example", 5999), HostPort.require("peers.example:5999", "p2p.bootstrap"));
    }

    @Test
    void requireMessageNamesTheBadTextAndWhatItWas() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostPort.require("peers.example:http", "p2p.bootstrap"));
        assertTrue(e.getMessage().contains("'peers.example:http'"), e.getMessage());
        assertTrue(e.getMessage().contains("p2p.bootstrap"), e.getMessage());
    }
}
