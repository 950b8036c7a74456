package io.peermesh.wire;

import io.vertx.core.buffer.Buffer;

/**
 * Decodes one line into a {@link Message} and encodes a message into one line (with its {@code \n}).
 * The public face of the wire format: the work is done by {@link MessageDecoder} (with
 * {@link FieldReader} and {@link MessageBuilder}) and {@link MessageEncoder}.
 *
 * <p>Decoding streams over the line with Jackson's parser instead of building a tree: unknown
 * fields are skipped without being materialised, and the parser's own limits (nesting depth,
 * number and string length) bound the work a hostile line can cause. Stateless and thread safe.
 */
public final class MessageCodec {

    /** Entries beyond this in one {@code addr} are dropped (Bitcoin Core's limit per addr message). */
    public static final int MAX_ADDR_ENTRIES = FieldReader.MAX_ADDR_ENTRIES;

    /** Entries beyond this in one {@code links} are dropped: a node reports at most this many links. */
    public static final int MAX_LINK_ENTRIES = LinkEntryReader.MAX_ENTRIES;

    /** Longest topic name, in chars (see {@link #topicProblem}). */
    public static final int MAX_TOPIC_CHARS = MessageBuilder.MAX_TOPIC_CHARS;

    private MessageCodec() {
    }

    /** True for a canonical-looking UUID string (what {@code nodeid} must be): 8-4-4-4-12 hex digits. */
    public static boolean isUuid(String text) {
        return MessageBuilder.isUuid(text);
    }

    public static Message decode(Buffer line) throws ProtocolViolation {
        return MessageDecoder.decode(line);
    }

    /** Topic names: what the HTTP API accepts, checked again on receipt. */
    public static String topicProblem(String topic) {
        return MessageBuilder.topicProblem(topic);
    }

    /** Encodes a message as one line ending in {@code \n}, ready for a single write. */
    public static Buffer encode(Message message) {
        return MessageEncoder.encode(message);
    }

    /** Bytes one addr entry takes on the wire, to split long lists into lines under max-frame-bytes. */
    public static int entryBytes(Message.AddrEntry e) {
        return MessageEncoder.entryBytes(e);
    }
}
