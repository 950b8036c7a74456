package io.peermesh.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one line into a {@link Message} and encodes a message into one line (with its {@code \n}).
 *
 * <p>Decoding streams over the line with Jackson's parser instead of building a tree: unknown
 * fields are skipped without being materialised, and the parser's own limits (nesting depth,
 * number and string length) bound the work a hostile line can cause. Stateless and thread safe.
 */
public final class MessageCodec {

    /** Entries beyond this in one {@code addr} are dropped (Bitcoin Core's limit per addr message). */
    public static final int MAX_ADDR_ENTRIES = 1000;

    private static final int MAX_NETWORK_CHARS = 64;
    private static final int MAX_TEXT_CHARS = 256;
    public static final int MAX_TOPIC_CHARS = 128;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .maxStringLength(64 * 1024)
                    .build())
            .build();

    private MessageCodec() {
    }

    /**
     * True for a canonical-looking UUID string (what {@code nodeid} must be): 8-4-4-4-12 hex digits.
     * Checked by hand, not by a regex: it runs for every entry of every addr, and a regex matcher
     * was the largest single cost of a 100-node mesh forming (JFR, the convergence benchmark).
     */
    public static boolean isUuid(String text) {
        if (text == null || text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-'
                    : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static Message decode(Buffer line) throws ProtocolViolation {
        char[] text = strictUtf8(line);
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                // Only well-formed JSON is "not an object"; broken input stays invalid_json.
                p.skipChildren();
                p.finishToken();
                if (p.nextToken() != null) {
                    throw new ProtocolViolation(ProtocolError.INVALID_JSON, "data after the JSON value");
                }
                throw new ProtocolViolation(ProtocolError.NOT_AN_OBJECT, "line is JSON " + describe(first) + ", not an object");
            }
            Fields f = new Fields();
            f.text = text;
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                readField(p, name, value, f);
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new ProtocolViolation(ProtocolError.INVALID_JSON, "object is not closed");
            }
            if (p.nextToken() != null) {
                throw new ProtocolViolation(ProtocolError.INVALID_JSON, "data after the JSON object");
            }
            return build(f);
        } catch (ProtocolViolation v) {
            throw v;
        } catch (IOException | RuntimeException e) {
            // Jackson reports syntax errors, invalid UTF-8 and exceeded limits as exceptions;
            // their first line names the problem and the offset, which is all a log line needs.
            String message = String.valueOf(e.getMessage());
            int nl = message.indexOf('\n');
            throw new ProtocolViolation(ProtocolError.INVALID_JSON, nl > 0 ? message.substring(0, nl) : message);
        }
    }

    /**
     * Decodes the line as UTF-8, refusing overlong forms, surrogates and code points past U+10FFFF
     * (Jackson's byte parser guesses encodings and lets some of these through).
     */
    private static char[] strictUtf8(Buffer line) throws ProtocolViolation {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(line.getByteBuf().nioBuffer());
            char[] out = new char[chars.remaining()];
            chars.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new ProtocolViolation(ProtocolError.INVALID_JSON, "line is not valid UTF-8");
        }
    }

    /** Raw field values as sent; which ones matter depends on msgtype, which may come last. */
    private static final class Fields {
        JsonToken msgtypeToken;
        String msgtype;
        JsonToken nodeIdToken;
        String nodeId;
        JsonToken versionToken;
        long version;
        JsonToken networkToken;
        String network;
        JsonToken listenToken;
        String listen;
        JsonToken peerCountToken;
        long peerCount;
        JsonToken nonceToken;
        String nonce;
        String reason;
        String detail;
        List<Message.AddrEntry> peers;
        int invalidPeers;
        boolean peersNotArray;
        char[] text;
        boolean metadataSent;
        Metadata metadata = Metadata.EMPTY;
        MetadataDrop metadataDropped;
        JsonToken incarnationToken;
        long incarnation;
        JsonToken originToken;
        String origin;
        JsonToken seqToken;
        long seq;
        JsonToken topicToken;
        String topic;
        String payload;
        JsonToken sentToken;
        long sent;
    }

    private static void readField(JsonParser p, String name, JsonToken value, Fields f) throws IOException {
        if ("peers".equals(name)) {
            readPeers(p, value, f);
            return;
        }
        if ("metadata".equals(name)) {
            readMetadata(p, value, f);
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
            case "reason" -> f.reason = clip(text(p, value));
            case "detail" -> f.detail = clip(text(p, value));
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
            if (isUuid(nodeId) && addr != null && HostPort.parse(addr).isPresent()) {
                f.peers.add(new Message.AddrEntry(nodeId, addr));
            } else {
                f.invalidPeers++;
            }
        }
    }

    private static Message build(Fields f) throws ProtocolViolation {
        if (f.msgtypeToken != JsonToken.VALUE_STRING) {
            throw new ProtocolViolation(ProtocolError.MISSING_MSGTYPE,
                    f.msgtypeToken == null ? "no msgtype" : "msgtype is " + describe(f.msgtypeToken) + ", not a string");
        }
        MsgType type = MsgType.fromWire(f.msgtype);
        return switch (type) {
            case HELLO -> hello(f);
            case PING -> new Message.Ping(optionalText(f.nonceToken, f.nonce, "ping nonce"));
            case PONG -> new Message.Pong(optionalText(f.nonceToken, f.nonce, "pong nonce"));
            case GETADDR -> new Message.GetAddr();
            case ADDR -> {
                if (f.peersNotArray) {
                    throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, "addr peers is not an array");
                }
                yield new Message.Addr(f.peers == null ? List.of() : f.peers, f.invalidPeers);
            }
            case BYE -> new Message.Bye(f.reason);
            case REJECT -> new Message.Reject(f.reason, f.detail, isUuid(f.nodeId) ? f.nodeId : null,
                    f.peers == null ? List.of() : f.peers);
            case META -> new Message.Meta(incarnation(f, "meta"), f.metadata, f.metadataDropped);
            case BROADCAST -> broadcast(f);
            case UNKNOWN -> new Message.Unknown(clip(f.msgtype));
        };
    }

    private static Message.Hello hello(Fields f) throws ProtocolViolation {
        if (f.nodeIdToken != JsonToken.VALUE_STRING || !isUuid(f.nodeId)) {
            throw new ProtocolViolation(ProtocolError.INVALID_HELLO, f.nodeIdToken == null
                    ? "hello without nodeid" : "hello nodeid is not a UUID");
        }
        Integer version = null;
        if (f.versionToken != null && f.versionToken != JsonToken.VALUE_NULL) {
            if (f.versionToken != JsonToken.VALUE_NUMBER_INT || f.version < 1 || f.version > Integer.MAX_VALUE) {
                throw new ProtocolViolation(ProtocolError.INVALID_HELLO, "hello version is not a positive integer");
            }
            version = (int) f.version;
        }
        String network = optionalText(f.networkToken, f.network, "hello network");
        if (network != null && (network.isEmpty() || network.length() > MAX_NETWORK_CHARS)) {
            throw new ProtocolViolation(ProtocolError.INVALID_HELLO, "hello network must be 1.." + MAX_NETWORK_CHARS + " characters");
        }
        String listen = optionalText(f.listenToken, f.listen, "hello listen");
        if (listen != null && HostPort.parse(listen).isEmpty()) {
            throw new ProtocolViolation(ProtocolError.INVALID_HELLO, "hello listen is not host:port");
        }
        Integer peerCount = null;
        if (f.peerCountToken != null && f.peerCountToken != JsonToken.VALUE_NULL) {
            if (f.peerCountToken != JsonToken.VALUE_NUMBER_INT || f.peerCount < 0 || f.peerCount > Integer.MAX_VALUE) {
                throw new ProtocolViolation(ProtocolError.INVALID_HELLO, "hello peercount is not a non-negative integer");
            }
            peerCount = (int) f.peerCount;
        }
        return new Message.Hello(f.nodeId, version, network, listen, peerCount, f.metadata, incarnation(f, "hello"),
                f.metadataDropped);
    }

    private static long incarnation(Fields f, String what) throws ProtocolViolation {
        if (f.incarnationToken == null || f.incarnationToken == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (f.incarnationToken != JsonToken.VALUE_NUMBER_INT || f.incarnation < 0) {
            throw new ProtocolViolation(what.equals("hello") ? ProtocolError.INVALID_HELLO : ProtocolError.INVALID_MESSAGE,
                    what + " incarnation is not a non-negative integer");
        }
        return f.incarnation;
    }

    /** Topic names: what the HTTP API accepts, checked again on receipt. */
    public static String topicProblem(String topic) {
        if (topic == null || topic.isEmpty() || topic.length() > MAX_TOPIC_CHARS) {
            return "topic must be 1.." + MAX_TOPIC_CHARS + " characters";
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-' || c == '/')) {
                return "topic may hold only letters, digits and . _ - /";
            }
        }
        return null;
    }

    private static Message.Broadcast broadcast(Fields f) throws ProtocolViolation {
        if (f.originToken != JsonToken.VALUE_STRING || !isUuid(f.origin)) {
            throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, "broadcast origin is not a UUID");
        }
        if (f.seqToken != JsonToken.VALUE_NUMBER_INT || f.seq < 1) {
            throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, "broadcast seq is not a positive integer");
        }
        String topicProblem = f.topicToken == JsonToken.VALUE_STRING ? topicProblem(f.topic) : "topic is not a string";
        if (topicProblem != null) {
            throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, "broadcast " + topicProblem);
        }
        if (f.payload == null) {
            throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, "broadcast without payload");
        }
        long sent = f.sentToken == JsonToken.VALUE_NUMBER_INT && f.sent >= 0 ? f.sent : 0;
        return new Message.Broadcast(f.origin, f.seq, f.topic, f.payload, sent);
    }

    private static String optionalText(JsonToken token, String text, String what) throws ProtocolViolation {
        if (token == null || token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_STRING) {
            throw new ProtocolViolation(what.startsWith("hello") ? ProtocolError.INVALID_HELLO : ProtocolError.INVALID_MESSAGE,
                    what + " is " + describe(token) + ", not a string");
        }
        if (text.length() > MAX_TEXT_CHARS) {
            throw new ProtocolViolation(what.startsWith("hello") ? ProtocolError.INVALID_HELLO : ProtocolError.INVALID_MESSAGE,
                    what + " is longer than " + MAX_TEXT_CHARS + " characters");
        }
        return text;
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_STRING ? p.getText() : null;
    }

    /**
     * Cuts a text to {@value #MAX_TEXT_CHARS} UTF-16 chars, one less when the cut would split a
     * surrogate pair: half a pair is an unpaired surrogate, which no UTF-8 line can carry as such.
     */
    private static String clip(String s) {
        if (s == null || s.length() <= MAX_TEXT_CHARS) {
            return s;
        }
        int end = MAX_TEXT_CHARS;
        if (Character.isHighSurrogate(s.charAt(end - 1)) && Character.isLowSurrogate(s.charAt(end))) {
            end--;
        }
        return s.substring(0, end);
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "empty";
        }
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            default -> t.name();
        };
    }

    // ---------------------------------------------------------------- encoding

    /** Encodes a message as one line ending in {@code \n}, ready for a single write. */
    public static Buffer encode(Message message) {
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

    /** Bytes one addr entry takes on the wire, to split long lists into lines under max-frame-bytes. */
    public static int entryBytes(Message.AddrEntry e) {
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
