package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PingLinesTest {

    private static Buffer line(String s) {
        return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Buffer withoutNewline(Buffer b) {
        return b.slice(0, b.length() - 1);
    }

    @Test
    void canonicalPingAndPongParseAsTheDecoderDoes() throws ProtocolViolation {
        for (String nonce : List.of("0", "9f86d081884c7d65", "A-b_c", "x".repeat(PingLines.MAX_NONCE))) {
            for (Message m : List.of(new Message.Ping(nonce), new Message.Pong(nonce))) {
                Buffer l = withoutNewline(MessageCodec.encode(m));
                assertEquals(m, PingLines.parse(l));
                assertEquals(MessageCodec.decode(l), PingLines.parse(l));
            }
        }
    }

    @Test
    void writesTheSameBytesAsTheCodec() {
        String nonce = "9f86d081884c7d65";
        assertEquals(MessageCodec.encode(new Message.Ping(nonce)), PingLines.ping(nonce));
        assertEquals(MessageCodec.encode(new Message.Pong(nonce)),
                PingLines.pongFor(withoutNewline(PingLines.ping(nonce))));
    }

    @Test
    void anyOtherSpellingIsLeftToTheDecoder() {
        for (String s : List.of(
                "{\"msgtype\":\"ping\"}",
                "{\"msgtype\":\"ping\",\"nonce\":\"\"}",
                "{\"msgtype\":\"ping\", \"nonce\":\"ab\"}",
                "{\"nonce\":\"ab\",\"msgtype\":\"ping\"}",
                "{\"msgtype\":\"ping\",\"nonce\":\"a\\u0062\"}",
                "{\"msgtype\":\"ping\",\"nonce\":\"a b\"}",
                "{\"msgtype\":\"ping\",\"nonce\":\"ab\",\"x\":1}",
                "{\"msgtype\":\"ping\",\"nonce\":\"ab\"} ",
                "{\"msgtype\":\"pung\",\"nonce\":\"ab\"}",
                "{\"msgtype\":\"ping\",\"nonce\":\"" + "x".repeat(PingLines.MAX_NONCE + 1) + "\"}",
                "{\"msgtype\":\"ping\",\"nonce\":\"é\"}",
                "{\"msgtype\":\"hello\",\"nodeid\":\"ab\"}")) {
            assertNull(PingLines.parse(line(s)), s);
        }
    }

    /** Mutations of canonical lines: whatever the fast path accepts, the decoder reads the same. */
    @Test
    void neverDisagreesWithTheDecoder() {
        SplittableRandom random = new SplittableRandom(16);
        byte[] alphabet = "{}\":,pingoncesmyt0aZ-_\\ é\u0000".getBytes(StandardCharsets.UTF_8);
        int accepted = 0;
        for (int n = 0; n < 200_000; n++) {
            Message base = random.nextBoolean() ? new Message.Ping(Long.toHexString(random.nextLong()))
                    : new Message.Pong(Long.toHexString(random.nextLong()));
            byte[] b = withoutNewline(MessageCodec.encode(base)).getBytes();
            int edits = random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                b[random.nextInt(b.length)] = alphabet[random.nextInt(alphabet.length)];
            }
            Buffer l = Buffer.buffer(b);
            Message fast = PingLines.parse(l);
            if (fast == null) {
                continue;
            }
            accepted++;
            try {
                assertEquals(MessageCodec.decode(l), fast, new String(b, StandardCharsets.UTF_8));
            } catch (ProtocolViolation v) {
                throw new AssertionError("fast path accepted what the decoder refuses: " + new String(b, StandardCharsets.UTF_8), v);
            }
        }
        assertEquals(true, accepted > 50_000, "accepted " + accepted);
    }
}
