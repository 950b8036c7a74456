package io.peermesh.node.config;

import java.time.Duration;

/**
 * The default of each {@code p2p.*} key that both the Quarkus mapping and the core know, written
 * once (issue #11: they were written twice, as {@code @WithDefault} strings and as builder fields).
 * Each is the string Quarkus reads, so that {@code P2pConfig} can use it as an annotation value;
 * {@link NodeConfig.Builder}, {@link DiscoveryConfig#DEFAULTS} and {@link LimitsConfig#DEFAULTS}
 * parse the same string here. The parsers accept only the forms below and throw on anything else,
 * so a default Quarkus would read differently fails class initialisation instead of drifting;
 * ConfigDefaultsTest checks them against Quarkus's own converters, and the README table against both.
 * Names are the environment variables without {@code P2P_}. The broadcast defaults live on
 * {@code BroadcastConfig}, as that package does not depend on this one.
 */
public final class Defaults {

    public static final String HOST = "0.0.0.0";
    public static final String PORT = "5999";
    public static final String NETWORK = "peermesh";
    public static final String PING_INTERVAL = "2s";
    public static final String PING_TIMEOUT = "6s";
    public static final String PING_FOLLOW_UP = "true";
    public static final String HANDSHAKE_TIMEOUT = "5s";
    public static final String CONNECT_TIMEOUT = "3s";
    public static final String DIAL_BACKOFF_MIN = "1s";
    public static final String DIAL_BACKOFF_MAX = "30s";
    /** 64 KiB. */
    public static final String MAX_FRAME_BYTES = "65536";
    public static final String MIN_PEERS = "1";
    public static final String MAX_PEERS = "64";
    public static final String MAX_KNOWN_ADDRESSES = "1000";
    /** Issue #14: a summary of this node's links to its peers at least this often. */
    public static final String LINK_SUMMARY_INTERVAL = "5s";
    /** Issue #14: nodes started beside the application's in dev mode (only there) so it has a mesh to show. */
    public static final String DEV_COMPANIONS = "2";

    public static final String DISCOVERY_DNS_INTERVAL = "5s";
    public static final String DISCOVERY_RESOLV_CONF = "/etc/resolv.conf";
    public static final String DISCOVERY_DNS_TIMEOUT = "2s";
    public static final String DISCOVERY_GETADDR_INTERVAL = "30s";
    public static final String DISCOVERY_ADDR_RATE = "10";
    public static final String DISCOVERY_ADDR_BURST = "1000";

    public static final String LIMITS_MAX_INBOUND = "256";
    public static final String LIMITS_MAX_INBOUND_PER_IP = "32";
    public static final String LIMITS_MAX_PENDING_HANDSHAKES = "64";
    public static final String LIMITS_MESSAGE_RATE = "200";
    public static final String LIMITS_MESSAGE_BURST = "2000";
    /** 1 MiB. */
    public static final String LIMITS_MAX_WRITE_QUEUE_BYTES = "1048576";
    public static final String LIMITS_BAN_DURATION = "60s";
    public static final String LIMITS_BAN_OFFENCES = "3";

    private Defaults() {
    }

    /**
     * A duration as Quarkus's DurationConverter reads digits with a unit: {@code 250ms}, {@code 2s},
     * {@code 5m}, {@code 1h}. Its other forms (bare seconds, ISO-8601, decimals) are refused, not guessed.
     */
    public static Duration duration(String value) {
        int digits = 0;
        while (digits < value.length() && value.charAt(digits) >= '0' && value.charAt(digits) <= '9') {
            digits++;
        }
        if (digits == 0 || digits > 18) {
            throw unreadable(value, "a duration such as 2s");
        }
        long n = Long.parseLong(value.substring(0, digits));
        return switch (value.substring(digits)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw unreadable(value, "a duration such as 2s");
        };
    }

    /** A decimal int, as SmallRye Config's Integer converter reads it. */
    public static int integer(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw unreadable(value, "an int");
        }
    }

    /** A number, as SmallRye Config's Double converter reads it. */
    public static double decimal(String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw unreadable(value, "a number");
        }
    }

    /** Only {@code true} or {@code false}: Quarkus also reads yes, on, 1..., which a default need not use. */
    public static boolean bool(String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw unreadable(value, "true or false");
        };
    }

    private static IllegalArgumentException unreadable(String value, String expected) {
        return new IllegalArgumentException("config default '" + value + "' is not " + expected);
    }
}
