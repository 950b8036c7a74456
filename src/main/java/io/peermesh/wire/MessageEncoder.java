package io.peermesh.wire;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes a {@link Message} as one JSON line ending in {@code \n}: the fields of each type in their
 * fixed order, metadata and addr entries, and the quoting and escaping of every text. Writes by hand
 * into a {@link StringBuilder}, no JSON library. Stateless and thread safe.
 */
final class MessageEncoder {

    private MessageEncoder() {
    }

    /** Encodes a message as one line ending in {@code \n}, ready for a single write. */
    static Buffer encode(Message message) {
        StringBuilder b = new StringBuilder(96);
        b.append("{\"msgtype\":\"").append(message.type().label()).append('"');
        switch (message.type()) {
            case HELLO -> {
                Message.Hello h = (Message.Hello) message;
                field(b, "nodeid", h.nodeId());
                if (h.version() != null) {
                    b.append(",\"version\":").append(h.version().intValue());
                }
                field(b, "network", h.network());
                field(b, "listen", h.listen());
                if (h.peerCount() != null) {
                    b.append(",\"peercount\":").append(h.peerCount().intValue());
                }
                if (h.version() != null && h.version() >= 2) {
                    b.append(",\"incarnation\":").append(h.incarnation());
                    metadata(b, h.metadata());
                }
            }
            case META -> {
                Message.Meta m = (Message.Meta) message;
                b.append(",\"incarnation\":").append(m.incarnation());
                metadata(b, m.metadata());
            }
            case BROADCAST -> {
                Message.Broadcast m = (Message.Broadcast) message;
                field(b, "origin", m.origin());
                b.append(",\"seq\":").append(m.seq());
                field(b, "topic", m.topic());
                b.append(",\"sent\":").append(m.sentMillis());
                b.append(",\"payload\":").append(m.payload());
            }
            case LINKS -> {
                Message.Links m = (Message.Links) message;
                b.append(",\"seq\":").append(m.seq());
                links(b, m.links());
            }
            case PING -> field(b, "nonce", ((Message.Ping) message).nonce());
            case PONG -> field(b, "nonce", ((Message.Pong) message).nonce());
            case ADDR -> peers(b, ((Message.Addr) message).peers());
            case BYE -> field(b, "reason", ((Message.Bye) message).reason());
            case REJECT -> {
                Message.Reject r = (Message.Reject) message;
                field(b, "reason", r.reason());
                field(b, "detail", r.detail());
                field(b, "nodeid", r.nodeId());
                if (!r.peers().isEmpty()) {
                    peers(b, r.peers());
                }
            }
            case GETADDR, UNKNOWN -> {
                // no fields
            }
        }
        b.append("}\n");
        return Buffer.buffer(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void metadata(StringBuilder b, Metadata metadata) {
        b.append(",\"metadata\":{");
        boolean first = true;
        for (java.util.Map.Entry<String, String> e : metadata.asMap().entrySet()) {
            b.append(first ? "" : ",");
            first = false;
            quote(b, e.getKey());
            b.append(':');
            quote(b, e.getValue());
        }
        b.append('}');
    }

    private static void peers(StringBuilder b, List<Message.AddrEntry> peers) {
        b.append(",\"peers\":[");
        for (int i = 0; i < peers.size(); i++) {
            Message.AddrEntry e = peers.get(i);
            b.append(i == 0 ? "{" : ",{");
            b.append("\"nodeid\":");
            quote(b, e.nodeId());
            b.append(",\"addr\":");
            quote(b, e.addr());
            b.append('}');
        }
        b.append(']');
    }

    private static void links(StringBuilder b, List<Message.LinkEntry> links) {
        b.append(",\"links\":[");
        for (int i = 0; i < links.size(); i++) {
            Message.LinkEntry e = links.get(i);
            b.append(i == 0 ? "{" : ",{");
            b.append("\"state\":");
            quote(b, e.state().label());
            field(b, "nodeid", e.nodeId());
            field(b, "addr", e.addr());
            if (e.rttMillis() != null) {
                // three decimals: microseconds, more than a loopback RTT needs, and a short line
                b.append(",\"rtt\":").append(Math.round(e.rttMillis() * 1000) / 1000.0);
            }
            if (e.loss() != null) {
                b.append(",\"loss\":").append(Math.round(e.loss() * 1000) / 1000.0);
            }
            b.append('}');
        }
        b.append(']');
    }

    /** Bytes one addr entry takes on the wire, to split long lists into lines under max-frame-bytes. */
    static int entryBytes(Message.AddrEntry e) {
        return 24 + e.nodeId().length() + e.addr().length();
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append(",\"").append(name).append("\":");
            quote(b, value);
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || unpairedSurrogate(s, i)) {
                        // An unpaired surrogate has no UTF-8 form (String.getBytes would write '?'),
                        // but a JSON \\u escape carries it and Jackson decodes it back to the same
                        // char, so a text the codec accepted (e.g. a nonce) is echoed unchanged.
                        escape(b, c);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Whether the char at {@code i} is a surrogate that is not half of a high-low pair. */
    private static boolean unpairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        return Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
    }

    private static void escape(StringBuilder b, char c) {
        String hex = Integer.toHexString(c);
        b.append("\\u").append("0000", hex.length(), 4).append(hex);
    }
}
