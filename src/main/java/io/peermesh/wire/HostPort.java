package io.peermesh.wire;

import io.netty.util.NetUtil;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A {@code host:port} as it appears in config and on the wire ({@code listen}, {@code addr}).
 * IPv6 literals are bracketed ({@code [::1]:5999}) and must be valid IPv6 addresses (with an optional
 * zone id). Hosts are DNS names or IP literals; anything
 * else is rejected so that a peer cannot inject arbitrary strings into other nodes' dial lists.
 */
public record HostPort(String host, int port) {

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
            // The character check keeps the zone id tame (Netty accepts anything after '%');
            // Netty's parser then checks it is a literal: "[:::::]" or "[1.2.3.4:5]" pass the
            // characters but would be sent to DNS as names when dialled.
            if (!IPV6.matcher(host).matches() || !NetUtil.isValidIpV6Address(host)) {
                return Optional.empty();
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                return Optional.empty();
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (!isHostName(host)) {
                return Optional.empty();
            }
        }
        int port = parsePort(portText);
        if (port < 1) {
            return Optional.empty();
        }
        return Optional.of(new HostPort(host, port));
    }

    /**
     * RFC 1123 host names (which include dotted IPv4 literals): dot-separated labels of 1-63
     * letters, digits, hyphens and underscores (tolerated for SRV-style names), not starting or
     * ending with a hyphen, 253 characters at most, one trailing dot allowed. By hand rather than
     * by regex: every addr entry is parsed, and the regex was a top cost when a mesh forms (JFR).
     */
    static boolean isHostName(String host) {
        int n = host.endsWith(".") ? host.length() - 1 : host.length();
        if (n < 1 || host.length() > 253) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            char c = i == n ? '.' : host.charAt(i);
            if (c == '.') {
                int len = i - labelStart;
                if (len < 1 || len > 63 || host.charAt(labelStart) == '-' || host.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** 1..65535 from 1-5 ASCII digits; -1 for anything else. */
    private static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5) {
            return -1;
        }
        int port = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65535 ? port : -1;
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
