package io.peermesh.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;

/**
 * Reads the fields of one JSON object from Jackson's streaming parser into a {@link Fields}: known
 * fields are stored with their token, unknown ones and containers where a scalar belongs are skipped
 * without being materialised; metadata and addr entries are bounded while they are read. Stateless.
 */
final class FieldReader {

    /** Entries beyond this in one {@code addr} are dropped (Bitcoin Core's limit per addr message). */
    static final int MAX_ADDR_ENTRIES = 1000;

    private FieldReader() {
    }

    static void readField(JsonParser p, String name, JsonToken value, Fields f) throws IOException {
        if ("peers".equals(name)) {
            readPeers(p, value, f);
            return;
        }
        if ("metadata".equals(name)) {
            readMetadata(p, value, f);
            return;
        }
        if ("links".equals(name)) {
            LinkEntryReader.read(p, value, f);
            return;
        }
        if ("payload".equals(name)) {
            f.payload = rawValue(p, f.text);
            return;
        }
        // Containers are never a valid value for the fields below; skip them (bounded by maxNestingDepth).
        p.skipChildren();
        switch (name) {
            case "msgtype" -> { f.msgtypeToken = value; f.msgtype = text(p, value); }
            case "nodeid" -> { f.nodeIdToken = value; f.nodeId = text(p, value); }
            case "network" -> { f.networkToken = value; f.network = text(p, value); }
            case "listen" -> { f.listenToken = value; f.listen = text(p, value); }
            case "nonce" -> { f.nonceToken = value; f.nonce = text(p, value); }
            case "reason" -> f.reason = MessageBuilder.clip(text(p, value));
            case "detail" -> f.detail = MessageBuilder.clip(text(p, value));
            case "peercount" -> {
                f.peerCountToken = value;
                // Not longValue(): a peercount too large for a long has always been read as 0, not refused.
                if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                    f.peerCount = p.getLongValue();
                }
            }
            case "version" -> {
                f.versionToken = value;
                f.version = longValue(p, value);
            }
            case "incarnation" -> {
                f.incarnationToken = value;
                f.incarnation = longValue(p, value);
            }
            case "origin" -> { f.originToken = value; f.origin = text(p, value); }
            case "topic" -> { f.topicToken = value; f.topic = text(p, value); }
            case "seq" -> {
                f.seqToken = value;
                f.seq = longValue(p, value);
            }
            case "sent" -> {
                f.sentToken = value;
                f.sent = longValue(p, value);
            }
            default -> {
                // unknown fields are ignored (protocol v1: forward compatible)
            }
        }
    }

    private static long longValue(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                ? p.getLongValue() : -1;
    }

    /**
     * Metadata is kept only whole: one value that is not a string, one bad key, or too many bytes
     * drops all of it (counted by the receiver), never the connection. Reading stops storing past
     * the bound, so a hostile object costs no more than its line.
     */
    private static void readMetadata(JsonParser p, JsonToken value, Fields f) throws IOException {
        f.metadataSent = value != JsonToken.VALUE_NULL;
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            if (f.metadataSent) {
                f.metadataDropped = MetadataDrop.INVALID;
            }
            return;
        }
        java.util.Map<String, String> pairs = new java.util.LinkedHashMap<>();
        int bytes = 0;
        MetadataDrop drop = null;
        String key;
        while ((key = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            if (drop != null) {
                p.skipChildren();
                continue;
            }
            if (v != JsonToken.VALUE_STRING || Metadata.keyProblem(key) != null) {
                p.skipChildren();
                drop = MetadataDrop.INVALID;
                continue;
            }
            String text = p.getText();
            bytes += Metadata.utf8(key) + Metadata.utf8(text);
            if (bytes > Metadata.MAX_BYTES) {
                drop = MetadataDrop.OVERSIZE;
                continue;
            }
            pairs.put(key, text);
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("unterminated metadata object");
        }
        f.metadataDropped = drop;
        f.metadata = drop == null ? Metadata.of(pairs) : Metadata.EMPTY;
    }

    /** The JSON text of the value starting at the current token, exactly as sent. */
    private static String rawValue(JsonParser p, char[] text) throws IOException {
        int start = (int) p.currentTokenLocation().getCharOffset();
        p.skipChildren();
        p.finishToken();
        int end = (int) p.currentLocation().getCharOffset(); // past the value once it is finished
        return new String(text, start, end - start).strip();
    }

    private static void readPeers(JsonParser p, JsonToken value, Fields f) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            f.peersNotArray = value != JsonToken.VALUE_NULL;
            p.skipChildren();
            return;
        }
        f.peers = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("unterminated peers array");
            }
            if (t != JsonToken.START_OBJECT || f.peers.size() >= MAX_ADDR_ENTRIES) {
                f.invalidPeers++;
                p.skipChildren();
                continue;
            }
            String nodeId = null;
            String addr = null;
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                if ("nodeid".equals(field) && v == JsonToken.VALUE_STRING) {
                    nodeId = p.getText();
                } else if ("addr".equals(field) && v == JsonToken.VALUE_STRING) {
                    addr = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (MessageBuilder.isUuid(nodeId) && addr != null && HostPort.parse(addr).isPresent()) {
                f.peers.add(new Message.AddrEntry(nodeId, addr));
            } else {
                f.invalidPeers++;
            }
        }
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_STRING ? p.getText() : null;
    }
}
