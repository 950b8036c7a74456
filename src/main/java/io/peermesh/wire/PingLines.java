package io.peermesh.wire;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The ping/pong fast path: recognises the canonical ping and pong lines byte by byte, and writes
 * them, without the general decoder (UTF-8 check, Jackson parser, field table). A ping every two
 * seconds never gets that path compiled, and interpreted it cost a node-to-node round trip tens of
 * microseconds (issue #16); these few loops cost little even interpreted.
 *
 * <p>Only the exact form this node sends is recognised: {@code {"msgtype":"ping","nonce":"N"}}
 * (or pong) with N of 1 to {@value #MAX_NONCE} characters among {@code [0-9A-Za-z_-]}, and nothing
 * else on the line. Any other spelling (spaces, other field order, extra fields, escapes, a longer
 * nonce) returns null and goes through {@link MessageCodec#decode}, which gives the same message,
 * so the fast path never changes what a line means (a test checks this against the decoder).
 *
 * <p>Stateless and thread safe.
 */
public final class PingLines {

    /** Nonces this node sends are 1-16 hex digits; other peers' may be longer. */
    static final int MAX_NONCE = 64;

    private static final byte[] PING = "{\"msgtype\":\"ping\",\"nonce\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "{\"msgtype\":\"pong\",\"nonce\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFIX = PING.length; // the same for both
    /** Byte that tells ping ({@code i}) from pong ({@code o}): {"msgtype":"p_ng" */
    private static final int TYPE_LETTER = 13;

    private PingLines() {
    }

    /**
     * The message of a canonical ping or pong line (without its newline), or null when the line is
     * anything else.
     */
    public static Message parse(Buffer line) {
        int length = line.length();
        int nonceLength = length - PREFIX - 2; // the closing quote and brace
        if (nonceLength < 1 || nonceLength > MAX_NONCE || line.getByte(length - 2) != '"' || line.getByte(length - 1) != '}') {
            return null;
        }
        byte letter = line.getByte(TYPE_LETTER);
        byte[] prefix = letter == 'i' ? PING : letter == 'o' ? PONG : null;
        if (prefix == null) {
            return null;
        }
        for (int i = 0; i < PREFIX; i++) {
            if (line.getByte(i) != prefix[i]) {
                return null;
            }
        }
        byte[] nonce = new byte[nonceLength];
        for (int i = 0; i < nonceLength; i++) {
            byte c = line.getByte(PREFIX + i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) {
                return null;
            }
            nonce[i] = c;
        }
        String text = new String(nonce, StandardCharsets.ISO_8859_1);
        return letter == 'i' ? new Message.Ping(text) : new Message.Pong(text);
    }

    /**
     * The pong answering a canonical ping line (as {@link #parse} accepted it): the same bytes with
     * {@code ping} turned into {@code pong}, plus the newline. What {@link MessageCodec#encode}
     * writes for the same pong.
     */
    public static Buffer pongFor(Buffer pingLine) {
        int length = pingLine.length();
        byte[] out = new byte[length + 1];
        pingLine.getBytes(out);
        out[TYPE_LETTER] = 'o';
        out[length] = '\n';
        return Buffer.buffer(out);
    }

    /** A ping line with this nonce (which must be fast-path safe, as this node's hex nonces are), with its newline. */
    public static Buffer ping(String nonce) {
        int n = nonce.length();
        byte[] out = new byte[PREFIX + n + 3];
        System.arraycopy(PING, 0, out, 0, PREFIX);
        for (int i = 0; i < n; i++) {
            out[PREFIX + i] = (byte) nonce.charAt(i);
        }
        out[PREFIX + n] = '"';
        out[PREFIX + n + 1] = '}';
        out[PREFIX + n + 2] = '\n';
        return Buffer.buffer(out);
    }
}
