package io.peermesh.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;

/**
 * Reads the {@code links} array of a {@code links} message (issue #14) into {@link Fields}, bounded
 * while it reads: at most {@value #MAX_ENTRIES} entries are kept, each checked on its own. A bad
 * entry (not an object, neither a UUID {@code nodeid} nor a {@code host:port} {@code addr}, an
 * unknown {@code state}, an {@code rtt} that is not a number in 0..{@value #MAX_RTT_MILLIS} ms, a
 * {@code loss} outside 0..1) is dropped and counted, never the connection: a summary is advice for a
 * page, and a newer node may report states this one does not know. Stateless.
 */
final class LinkEntryReader {

    /** A node reports at most this many links: {@code p2p.max-peers} (64 by default) plus failing dials. */
    static final int MAX_ENTRIES = 128;
    /** Ten minutes: anything longer is not a round trip but a broken clock. */
    static final double MAX_RTT_MILLIS = 600_000;

    private LinkEntryReader() {
    }

    static void read(JsonParser p, JsonToken value, Fields f) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            f.linksNotArray = true;
            p.skipChildren();
            return;
        }
        f.links = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("unterminated links array");
            }
            if (t != JsonToken.START_OBJECT || f.links.size() >= MAX_ENTRIES) {
                f.invalidLinks++;
                p.skipChildren();
                continue;
            }
            Message.LinkEntry e = entry(p);
            if (e == null) {
                f.invalidLinks++;
            } else {
                f.links.add(e);
            }
        }
    }

    /** One entry, the parser on its START_OBJECT; null when it is not valid (the object is consumed either way). */
    private static Message.LinkEntry entry(JsonParser p) throws IOException {
        String nodeId = null;
        String addr = null;
        String state = null;
        double rtt = Double.NaN;
        double loss = Double.NaN;
        boolean bad = false;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            if (v == null) {
                throw new IOException("unterminated links entry");
            }
            switch (field) {
                case "nodeid" -> { if (v == JsonToken.VALUE_STRING) nodeId = p.getText(); else bad = true; }
                case "addr" -> { if (v == JsonToken.VALUE_STRING) addr = p.getText(); else bad = true; }
                case "state" -> { if (v == JsonToken.VALUE_STRING) state = p.getText(); else bad = true; }
                case "rtt" -> { if (v.isNumeric()) rtt = p.getDoubleValue(); else bad = true; }
                case "loss" -> { if (v.isNumeric()) loss = p.getDoubleValue(); else bad = true; }
                default -> {
                    // unknown fields are ignored, as everywhere in the protocol
                }
            }
            p.skipChildren(); // a container where a scalar belongs is skipped whole (and marked bad above)
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("unterminated links entry");
        }
        LinkState s = LinkState.fromWire(state);
        boolean idOk = nodeId == null || MessageBuilder.isUuid(nodeId);
        boolean addrOk = addr == null || HostPort.parse(addr).isPresent();
        if (bad || s == null || !idOk || !addrOk || (nodeId == null && addr == null)
                || (!Double.isNaN(rtt) && !(rtt >= 0 && rtt <= MAX_RTT_MILLIS))
                || (!Double.isNaN(loss) && !(loss >= 0 && loss <= 1))) {
            return null;
        }
        return new Message.LinkEntry(nodeId, addr, s, Double.isNaN(rtt) ? null : rtt, Double.isNaN(loss) ? null : loss);
    }
}
