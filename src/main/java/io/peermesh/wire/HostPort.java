package io.peermesh.wire;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A {@code host:port} as it appears in config and on the wire ({@code listen}, {@code addr}).
 * IPv6 literals are bracketed ({@code [::1]:5999}). Hosts are DNS names or IP literals; anything
 * else is rejected so that a peer cannot inject arbitrary strings into other nodes' dial lists.
 */
public record HostPort(String host, int port) {

    // RFC 1123 labels (letters, digits, hyphen, underscore tolerated for SRV-style names), dot separated.
    private static final Pattern NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,32})?");

    public HostPort {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /** Parses {@code host:port} or {@code [v6]:port}; empty when the text is not one. */
    public static Optional<HostPort> parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 300) {
            return Optional.empty();
        }
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                return Optional.empty();
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
            if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
                return Optional.empty();
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                return Optional.empty();
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (!NAME.matcher(host).matches()) {
                return Optional.empty();
            }
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        int port = Integer.parseInt(portText);
        if (port < 1 || port > 65535) {
            return Optional.empty();
        }
        return Optional.of(new HostPort(host, port));
    }

    /** Like {@link #parse} but throws with a message naming what was wrong. */
    public static HostPort require(String text, String what) {
        return parse(text).orElseThrow(() -> new IllegalArgumentException(
                what + " '" + text + "' is not host:port (e.g. 10.0.0.7:5999, peers.example:5999 or [::1]:5999)"));
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
