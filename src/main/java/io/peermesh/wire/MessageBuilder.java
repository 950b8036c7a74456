package io.peermesh.wire;

import com.fasterxml.jackson.core.JsonToken;
import java.util.List;

/**
 * Builds the typed {@link Message} from the raw {@link Fields} of one line, and validates it: every
 * {@code missing_msgtype}, {@code invalid_hello} and {@code invalid_message} the decoder reports is
 * decided here, with the node id and topic rules that {@link MessageCodec} also offers the rest of the
 * node. Stateless.
 */
final class MessageBuilder {

    private static final int MAX_NETWORK_CHARS = 64;
    private static final int MAX_TEXT_CHARS = 256;
    static final int MAX_TOPIC_CHARS = 128;

    private MessageBuilder() {
    }

    /**
     * True for a canonical-looking UUID string (what {@code nodeid} must be): 8-4-4-4-12 hex digits.
     * Checked by hand, not by a regex: it runs for every entry of every addr, and a regex matcher
     * was the largest single cost of a 100-node mesh forming (JFR, the convergence benchmark).
     */
    static boolean isUuid(String text) {
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

    static Message build(Fields f) throws ProtocolViolation {
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
            case LINKS -> links(f);
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
    static String topicProblem(String topic) {
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

    /** A links summary must number itself and carry an array; bad entries were already dropped and counted. */
    private static Message.Links links(Fields f) throws ProtocolViolation {
        if (f.seqToken != JsonToken.VALUE_NUMBER_INT || f.seq < 1) {
            throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, "links seq is not a positive integer");
        }
        if (f.linksNotArray || f.links == null) {
            throw new ProtocolViolation(ProtocolError.INVALID_MESSAGE, f.linksNotArray
                    ? "links links is not an array" : "links without a links array");
        }
        return new Message.Links(f.seq, f.links, f.invalidLinks);
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

    /**
     * Cuts a text to {@value #MAX_TEXT_CHARS} UTF-16 chars, one less when the cut would split a
     * surrogate pair: half a pair is an unpaired surrogate, which no UTF-8 line can carry as such.
     */
    static String clip(String s) {
        if (s == null || s.length() <= MAX_TEXT_CHARS) {
            return s;
        }
        int end = MAX_TEXT_CHARS;
        if (Character.isHighSurrogate(s.charAt(end - 1)) && Character.isLowSurrogate(s.charAt(end))) {
            end--;
        }
        return s.substring(0, end);
    }

    static String describe(JsonToken t) {
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
}
