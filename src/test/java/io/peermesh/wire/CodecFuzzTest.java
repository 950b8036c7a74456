package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link MessageCodec} with Jazzer (see README "Fuzzing").
 *
 * <p>Arbitrary bytes as one line:
 * <ul>
 *   <li>only {@link ProtocolViolation} escapes {@link MessageCodec#decode} (any other exception or
 *       error, a {@link StackOverflowError} included, is a finding);</li>
 *   <li>a decoded message keeps the codec's documented bounds (UUID node ids, texts of at most 256
 *       characters, at most 1000 addr entries, valid addresses, a positive version);</li>
 *   <li>it re-encodes to exactly one line that decodes to an equal message. Equality is meaningful
 *       for every type but {@code unknown} (whose original msgtype is not re-sent); for
 *       {@code addr} the count of dropped entries is 0 after the round trip.</li>
 * </ul>
 * In {@code ./mvnw verify} this replays {@code CodecFuzzTestInputs/decode/*} only (Jazzer's
 * regression mode); {@code JAZZER_FUZZ=1} fuzzes.
 */
class CodecFuzzTest {

    private static final int MAX_TEXT = 256;

    @FuzzTest(maxDuration = "5m")
    @DictionaryEntries({"\"msgtype\"", "\"hello\"", "\"ping\"", "\"pong\"", "\"getaddr\"", "\"addr\"", "\"bye\"",
        "\"reject\"", "\"nodeid\"", "\"version\"", "\"network\"", "\"listen\"", "\"peercount\"", "\"nonce\"",
        "\"reason\"", "\"detail\"", "\"peers\"", "\"3f0c9a5e-1b2c-4d3e-8f40-5a6b7c8d9e0f\"", "\"[::1]:5999\"",
        "\"10.0.0.7:5999\"", "\\u", "\\ud83d", "\\ude00", "\\u0000", "\\u2028", "\\\"", "\uD83D\uDE00", "\u00e9",
        "1e999", "-0", "null", "true", "[{", "}]", "\":\"", "\",\""})
    void decode(byte[] input) {
        Message message;
        try {
            message = MessageCodec.decode(Buffer.buffer(input));
        } catch (ProtocolViolation v) {
            assertNotNull(v.error());
            return;
        }
        checkBounds(message);
        Buffer encoded = MessageCodec.encode(message);
        byte[] bytes = encoded.getBytes();
        assertTrue(bytes.length > 0 && bytes[bytes.length - 1] == '\n', "encoded line ends with \\n");
        for (int i = 0; i < bytes.length - 1; i++) {
            assertTrue(bytes[i] != '\n' && bytes[i] != '\r', "one line: no newline inside, at " + i);
        }
        Message again;
        try {
            again = MessageCodec.decode(encoded.slice(0, bytes.length - 1));
        } catch (ProtocolViolation v) {
            throw new AssertionError("re-encoded " + message + " does not decode: " + v.error().label() + ": "
                    + v.getMessage(), v);
        }
        switch (message.type()) {
            case UNKNOWN -> assertInstanceOf(Message.Unknown.class, again);
            case ADDR -> assertEquals(new Message.Addr(((Message.Addr) message).peers(), 0), again, "addr round trip");
            default -> assertEquals(message, again, "round trip");
        }
    }

    private static void checkBounds(Message message) {
        if (message instanceof Message.Hello h) {
            assertTrue(MessageCodec.isUuid(h.nodeId()), h.nodeId());
            assertTrue(h.version() == null || h.version() >= 1, "version " + h.version());
            assertTrue(h.network() == null || (!h.network().isEmpty() && h.network().length() <= 64), h.network());
            assertTrue(h.listen() == null || HostPort.parse(h.listen()).isPresent(), h.listen());
            assertTrue(h.peerCount() == null || h.peerCount() >= 0, "peercount " + h.peerCount());
        } else if (message instanceof Message.Ping p) {
            assertShort(p.nonce());
        } else if (message instanceof Message.Pong p) {
            assertShort(p.nonce());
        } else if (message instanceof Message.Addr a) {
            assertTrue(a.invalidEntries() >= 0);
            checkEntries(a.peers());
        } else if (message instanceof Message.Bye b) {
            assertShort(b.reason());
        } else if (message instanceof Message.Reject r) {
            assertShort(r.reason());
            assertShort(r.detail());
            assertTrue(r.nodeId() == null || MessageCodec.isUuid(r.nodeId()), r.nodeId());
            checkEntries(r.peers());
        } else if (message instanceof Message.Unknown u) {
            assertShort(u.msgtype());
            assertEquals(MsgType.UNKNOWN, MsgType.fromWire(u.msgtype()));
        } else if (!(message instanceof Message.GetAddr)) {
            fail("unexpected message " + message);
        }
    }

    private static void assertShort(String text) {
        assertTrue(text == null || text.length() <= MAX_TEXT, "text of " + (text == null ? 0 : text.length()) + " chars");
    }

    private static void checkEntries(List<Message.AddrEntry> entries) {
        assertTrue(entries.size() <= MessageCodec.MAX_ADDR_ENTRIES, entries.size() + " entries");
        for (Message.AddrEntry e : entries) {
            assertTrue(MessageCodec.isUuid(e.nodeId()), e.nodeId());
            assertTrue(HostPort.parse(e.addr()).isPresent(), e.addr());
        }
    }
}
