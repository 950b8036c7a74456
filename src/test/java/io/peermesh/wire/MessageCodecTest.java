package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MessageCodecTest {

    private static final String ID = "123e4567-e89b-12d3-a456-426614174000";
    private static final String ID2 = "F47AC10B-58CC-4372-A567-0E02B2C3D479";

    // ---------------------------------------------------------------- helpers

    private static Message decode(String line) throws ProtocolViolation {
        return MessageCodec.decode(Buffer.buffer(line.getBytes(StandardCharsets.UTF_8)));
    }

    private static ProtocolError errorOf(byte[] line) {
        ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> MessageCodec.decode(Buffer.buffer(line)));
        return v.error();
    }

    private static ProtocolError errorOf(String line) {
        return errorOf(line.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes, checks the single trailing newline, and decodes the line without it. */
    private static Message roundTrip(Message message) throws ProtocolViolation {
        byte[] bytes = MessageCodec.encode(message).getBytes();
        assertEquals('\n', bytes[bytes.length - 1], "encoded line must end with \\n");
        return MessageCodec.decode(Buffer.buffer(bytes).slice(0, bytes.length - 1));
    }

    private static String bytesToString(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- round trips

    static Stream<Message> everyMessageType() {
        return Stream.of(
                new Message.Hello(ID, 1, "peermesh", "10.0.0.7:5999"),
                new Message.Hello(ID2, 7, "test.net-1", "[::1]:5999"),
                new Message.Hello(ID, null, null, null),
                new Message.Ping("9f86d081884c7d65"),
                new Message.Ping(null),
                new Message.Pong("9f86d081884c7d65"),
                new Message.Pong(null),
                new Message.GetAddr(),
                new Message.Addr(List.of(
                        new Message.AddrEntry(ID, "10.0.0.7:5999"),
                        new Message.AddrEntry(ID2, "peermesh-peers:6000"),
                        new Message.AddrEntry(ID, "[fe80::1]:5999")), 0),
                new Message.Addr(List.of(), 0),
                new Message.Bye("shutdown"),
                new Message.Bye(null),
                new Message.Reject("duplicate", "already connected", ID),
                new Message.Reject("self", null, null),
                new Message.Hello(ID, 2, "peermesh", "10.0.0.5:5999", 3, Metadata.of(Map.of("zone", "eu-1", "version", "1.4")),
                        7, null),
                new Message.Meta(8, Metadata.of(Map.of("zone", "eu-2")), null),
                new Message.Meta(9, Metadata.EMPTY, null),
                new Message.Broadcast(ID, 1, "cache/invalidate", "{\"keys\":[1,2,\"x\"]}", 1_700_000_000_000L),
                new Message.Broadcast(ID2, 42, "config.reload", "\"a string \\u00e9\"", 0),
                new Message.Broadcast(ID2, 43, "n", "null", 5),
                new Message.Links(1, List.of(), 0),
                new Message.Links(12, List.of(new Message.LinkEntry(ID, "10.0.0.7:5999", LinkState.UP, 1.25, 0.5),
                        new Message.LinkEntry(ID2, null, LinkState.ONE_WAY, 0.0, 1.0),
                        new Message.LinkEntry(null, "[::1]:5999", LinkState.TLS, null, null)), 0));
    }

    @ParameterizedTest
    @MethodSource("everyMessageType")
    void encodeThenDecodeReturnsAnEqualMessage(Message message) throws ProtocolViolation {
        assertEquals(message, roundTrip(message));
    }

    @Test
    void everyKnownMsgTypeIsCoveredByTheRoundTripCases() {
        List<MsgType> covered = everyMessageType().map(Message::type).distinct().toList();
        for (MsgType type : MsgType.values()) {
            if (type != MsgType.UNKNOWN) {
                assertTrue(covered.contains(type), "no round-trip case for " + type);
            }
        }
    }

    static Stream<String> awkwardStrings() {
        return Stream.of(
                "line\nbreak",
                "cr\rlf\r\n",
                "quote\" and 'single'",
                "back\\slash\\",
                "\\n literally",
                "tab\tand nul\u0000 and bell\u0007 and unit-sep\u001f and del\u007f",
                "line sep\u2028 para sep\u2029",
                "}\n{\"msgtype\":\"bye\"}",
                "unicode \u00e9\u20ac\uD83D\uDE00");
    }

    @ParameterizedTest
    @MethodSource("awkwardStrings")
    void encodedLineEndsWithOneNewlineAndContainsNoOtherLineBreak(String s) throws ProtocolViolation {
        List<Message> messages = List.of(
                new Message.Bye(s),
                new Message.Reject("network_mismatch", s, ID),
                new Message.Ping(s),
                new Message.Pong(s),
                new Message.Hello(ID, 1, s, null));
        for (Message m : messages) {
            byte[] bytes = MessageCodec.encode(m).getBytes();
            String text = bytesToString(bytes);
            assertEquals(text.length() - 1, text.indexOf('\n'), "only newline must be the last byte: " + text);
            assertFalse(text.contains("\r"), text);
            assertFalse(text.contains("\u2028") || text.contains("\u2029"), text);
            assertTrue(text.chars().limit(text.length() - 1).noneMatch(c -> c < 0x20), "raw control char in " + text);
            assertEquals(m, roundTrip(m));
        }
    }

    @Test
    void encodedLinePassesThroughTheFramerAsExactlyOneLine() throws ProtocolViolation {
        Message m = new Message.Bye("a\nb\r\nc");
        List<Buffer> lines = new ArrayList<>();
        new LineFramer(1024).feed(MessageCodec.encode(m), line -> lines.add(line.copy()));
        assertEquals(1, lines.size());
        assertEquals(m, MessageCodec.decode(lines.get(0)));
    }

    // ---------------------------------------------------------------- compatible decoding

    @Test
    void originalMinimalHelloDecodesWithNullVersionNetworkAndListen() throws ProtocolViolation {
        Message m = decode("{\"msgtype\":\"hello\",\"nodeid\":\"" + ID + "\"}");
        assertEquals(new Message.Hello(ID, null, null, null), m);
    }

    @Test
    void helloWithExplicitNullOptionalFieldsDecodesAsAbsent() throws ProtocolViolation {
        Message m = decode("{\"msgtype\":\"hello\",\"nodeid\":\"" + ID
                + "\",\"version\":null,\"network\":null,\"listen\":null}");
        assertEquals(new Message.Hello(ID, null, null, null), m);
    }

    @Test
    void nonceLessPingDecodesWithNullNonce() throws ProtocolViolation {
        assertEquals(new Message.Ping(null), decode("{\"msgtype\":\"ping\"}"));
        assertEquals(new Message.Pong(null), decode("{\"msgtype\":\"pong\"}"));
    }

    @Test
    void unknownFieldsIncludingNestedObjectsAndArraysAreIgnored() throws ProtocolViolation {
        String line = "{\"x\":{\"a\":[1,{\"b\":null,\"msgtype\":\"bye\"}],\"c\":{}},"
                + "\"msgtype\":\"ping\",\"y\":[[],{},[[\"nonce\"]]],\"z\":true,\"w\":-1.5e3,\"v\":null,"
                + "\"nonce\":\"n1\",\"u\":\"\\u2028\"}";
        assertEquals(new Message.Ping("n1"), decode(line));
    }

    @Test
    void fieldsMayComeInAnyOrder() throws ProtocolViolation {
        String line = "{\"listen\":\"peers.example:5999\",\"version\":1,\"extra\":{\"k\":[1]},"
                + "\"nodeid\":\"" + ID + "\",\"network\":\"peermesh\",\"msgtype\":\"hello\"}";
        assertEquals(new Message.Hello(ID, 1, "peermesh", "peers.example:5999"), decode(line));
    }

    @Test
    void unknownMsgtypeDecodesAsUnknown() throws ProtocolViolation {
        Message m = decode("{\"msgtype\":\"gossip\",\"payload\":[1,2,3]}");
        assertEquals(new Message.Unknown("gossip"), m);
        assertEquals(MsgType.UNKNOWN, m.type());
    }

    @Test
    void msgtypeIsCaseSensitive() throws ProtocolViolation {
        assertEquals(MsgType.UNKNOWN, decode("{\"msgtype\":\"HELLO\"}").type());
    }

    @Test
    void rejectWithNonUuidNodeIdDecodesWithNullNodeId() throws ProtocolViolation {
        assertEquals(new Message.Reject("self", null, null),
                decode("{\"msgtype\":\"reject\",\"reason\":\"self\",\"nodeid\":\"abc\"}"));
    }

    // ---------------------------------------------------------------- malformed lines

    static Stream<Arguments> malformedLines() {
        String hello = "{\"msgtype\":\"hello\",\"nodeid\":\"" + ID + "\"";
        return Stream.of(
                // invalid JSON
                Arguments.of("truncated object", "{\"msgtype\":\"ping\"", ProtocolError.INVALID_JSON),
                Arguments.of("truncated string", "{\"msgtype\":\"pi", ProtocolError.INVALID_JSON),
                Arguments.of("truncated after colon", "{\"msgtype\":", ProtocolError.INVALID_JSON),
                Arguments.of("trailing garbage", "{\"msgtype\":\"ping\"}x", ProtocolError.INVALID_JSON),
                Arguments.of("trailing second object", "{\"msgtype\":\"ping\"} {}", ProtocolError.INVALID_JSON),
                Arguments.of("trailing close bracket", "{\"msgtype\":\"ping\"}]", ProtocolError.INVALID_JSON),
                Arguments.of("single quotes", "{'msgtype':'ping'}", ProtocolError.INVALID_JSON),
                Arguments.of("comment", "{\"msgtype\":\"ping\"/* hi */}", ProtocolError.INVALID_JSON),
                Arguments.of("NaN", "{\"msgtype\":\"ping\",\"x\":NaN}", ProtocolError.INVALID_JSON),
                // not an object
                Arguments.of("array", "[1,2]", ProtocolError.NOT_AN_OBJECT),
                Arguments.of("array of the object", "[{\"msgtype\":\"ping\"}]", ProtocolError.NOT_AN_OBJECT),
                Arguments.of("string", "\"ping\"", ProtocolError.NOT_AN_OBJECT),
                Arguments.of("number", "42", ProtocolError.NOT_AN_OBJECT),
                Arguments.of("boolean", "true", ProtocolError.NOT_AN_OBJECT),
                Arguments.of("null", "null", ProtocolError.NOT_AN_OBJECT),
                // msgtype
                Arguments.of("empty object", "{}", ProtocolError.MISSING_MSGTYPE),
                Arguments.of("no msgtype", "{\"nonce\":\"n\"}", ProtocolError.MISSING_MSGTYPE),
                Arguments.of("msgtype number", "{\"msgtype\":1}", ProtocolError.MISSING_MSGTYPE),
                Arguments.of("msgtype null", "{\"msgtype\":null}", ProtocolError.MISSING_MSGTYPE),
                Arguments.of("msgtype array", "{\"msgtype\":[\"ping\"]}", ProtocolError.MISSING_MSGTYPE),
                Arguments.of("msgtype object", "{\"msgtype\":{\"v\":\"ping\"}}", ProtocolError.MISSING_MSGTYPE),
                // hello
                Arguments.of("hello without nodeid", "{\"msgtype\":\"hello\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello nodeid abc", "{\"msgtype\":\"hello\",\"nodeid\":\"abc\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello nodeid 42", "{\"msgtype\":\"hello\",\"nodeid\":42}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello nodeid null", "{\"msgtype\":\"hello\",\"nodeid\":null}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello nodeid uuid without dashes",
                        "{\"msgtype\":\"hello\",\"nodeid\":\"" + ID.replace("-", "") + "\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello nodeid uuid in braces",
                        "{\"msgtype\":\"hello\",\"nodeid\":\"{" + ID + "}\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello version 0", hello + ",\"version\":0}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello version negative", hello + ",\"version\":-1}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello version string", hello + ",\"version\":\"1\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello version float", hello + ",\"version\":1.0}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello version above int range", hello + ",\"version\":2147483648}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello listen no port", hello + ",\"listen\":\"10.0.0.7\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello listen garbage", hello + ",\"listen\":\"not an address\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello listen number", hello + ",\"listen\":5999}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello network empty", hello + ",\"network\":\"\"}", ProtocolError.INVALID_HELLO),
                Arguments.of("hello network number", hello + ",\"network\":1}", ProtocolError.INVALID_HELLO),
                // other messages with wrongly typed fields
                Arguments.of("ping nonce number", "{\"msgtype\":\"ping\",\"nonce\":12345}", ProtocolError.INVALID_MESSAGE),
                Arguments.of("pong nonce object", "{\"msgtype\":\"pong\",\"nonce\":{}}", ProtocolError.INVALID_MESSAGE),
                Arguments.of("ping nonce too long",
                        "{\"msgtype\":\"ping\",\"nonce\":\"" + "n".repeat(257) + "\"}", ProtocolError.INVALID_MESSAGE),
                Arguments.of("addr peers object", "{\"msgtype\":\"addr\",\"peers\":{}}", ProtocolError.INVALID_MESSAGE),
                Arguments.of("addr peers string", "{\"msgtype\":\"addr\",\"peers\":\"x\"}", ProtocolError.INVALID_MESSAGE));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformedLines")
    void malformedLineGivesTheMatchingProtocolError(String name, String line, ProtocolError expected) {
        assertEquals(expected, errorOf(line));
    }

    @Test
    void invalidUtf8IsInvalidJson() {
        // 0xC3 starts a two-byte sequence; 0x28 '(' is not a continuation byte.
        byte[] inMsgtype = {'{', '"', 'm', 's', 'g', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'};
        assertEquals(ProtocolError.INVALID_JSON, errorOf(inMsgtype));

        // Also when the bad bytes sit in a field the codec otherwise ignores.
        assertEquals(ProtocolError.INVALID_JSON, errorOf(byeWithBadBytesInAField((byte) 0xC3, (byte) 0x28)));

        // A lone continuation byte, and a byte that never occurs in UTF-8.
        assertEquals(ProtocolError.INVALID_JSON, errorOf(new byte[] {'{', '"', (byte) 0x80, '"', ':', '1', '}'}));
        assertEquals(ProtocolError.INVALID_JSON, errorOf(byeWithBadBytesInAField((byte) 0xFF)));
    }

    /** {@code {"a":"<bad>","msgtype":"bye"}}: a line that is valid apart from the given bytes. */
    private static byte[] byeWithBadBytesInAField(byte... bad) {
        byte[] prefix = "{\"a\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] suffix = "\",\"msgtype\":\"bye\"}".getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[prefix.length + bad.length + suffix.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(bad, 0, line, prefix.length, bad.length);
        System.arraycopy(suffix, 0, line, prefix.length + bad.length, suffix.length);
        return line;
    }

    /**
     * RFC 3629 forbids overlong forms (C0 AF is '/', C0 8A is '\n') and sequences above U+10FFFF;
     * they are invalid UTF-8 and so {@link ProtocolError#INVALID_JSON}, like any other invalid UTF-8.
     */
    @Test
    void overlongAndOutOfRangeUtf8IsInvalidJson() {
        assertAll(
                () -> assertEquals(ProtocolError.INVALID_JSON,
                        errorOf(byeWithBadBytesInAField((byte) 0xC0, (byte) 0xAF)), "overlong '/'"),
                () -> assertEquals(ProtocolError.INVALID_JSON,
                        errorOf(byeWithBadBytesInAField((byte) 0xC0, (byte) 0x8A)), "overlong '\\n'"),
                () -> assertEquals(ProtocolError.INVALID_JSON,
                        errorOf(byeWithBadBytesInAField((byte) 0xE0, (byte) 0x80, (byte) 0xAF)), "3-byte overlong '/'"),
                () -> assertEquals(ProtocolError.INVALID_JSON,
                        errorOf(byeWithBadBytesInAField((byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80)),
                        "above U+10FFFF"));
    }

    /**
     * The wire encoding is UTF-8 ({@link ProtocolError#INVALID_JSON}: "invalid UTF-8"). A UTF-16 line
     * is not parseable JSON when read as UTF-8 (it is full of NUL bytes), so it must be refused,
     * not silently transcoded.
     */
    @Test
    void utf16EncodedLineIsInvalidJson() {
        String line = "{\"msgtype\":\"bye\"}";
        assertAll(
                () -> assertEquals(ProtocolError.INVALID_JSON, errorOf(line.getBytes(StandardCharsets.UTF_16BE)), "UTF-16BE"),
                () -> assertEquals(ProtocolError.INVALID_JSON, errorOf(line.getBytes(StandardCharsets.UTF_16LE)), "UTF-16LE"));
    }

    @Test
    void deeplyNestedArrayInsideAFieldFailsFastWithInvalidJson() {
        String line = "{\"msgtype\":\"ping\",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertEquals(ProtocolError.INVALID_JSON, errorOf(line));
    }

    @Test
    void deeplyNestedObjectsFailFastWithInvalidJson() {
        assertEquals(ProtocolError.INVALID_JSON, errorOf("{\"a\":".repeat(10_000)));
    }

    @Test
    void deeplyNestedPeersEntryFailsFastWithInvalidJson() {
        String line = "{\"msgtype\":\"addr\",\"peers\":[{\"nodeid\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}]}";
        assertEquals(ProtocolError.INVALID_JSON, errorOf(line));
    }

    /**
     * {@link ProtocolError#NOT_AN_OBJECT} is documented as "valid JSON, but not an object"; a line
     * that is not valid JSON at all must be {@link ProtocolError#INVALID_JSON} whatever its first token.
     */
    @ParameterizedTest
    @ValueSource(strings = {"[[[[[[[[[[", "[1,2", "\"unterminated"})
    void brokenJsonStartingWithANonObjectTokenIsInvalidJson(String line) {
        assertEquals(ProtocolError.INVALID_JSON, errorOf(line));
    }

    @Test
    void tenThousandOpenBracketsFailWithInvalidJsonNotStackOverflow() {
        assertEquals(ProtocolError.INVALID_JSON, errorOf("[".repeat(10_000)));
    }

    @Test
    void hugeNumberFailsWithInvalidJson() {
        String digits = "1".repeat(5_000);
        assertEquals(ProtocolError.INVALID_JSON, errorOf("{\"msgtype\":\"ping\",\"x\":" + digits + "}"));
        assertEquals(ProtocolError.INVALID_JSON,
                errorOf("{\"msgtype\":\"hello\",\"nodeid\":\"" + ID + "\",\"version\":" + digits + "}"));
        assertEquals(ProtocolError.INVALID_JSON, errorOf("{\"msgtype\":\"ping\",\"x\":0." + digits + "}"));
        assertEquals(ProtocolError.INVALID_JSON, errorOf(digits));
    }

    // ---------------------------------------------------------------- addr

    private static String entry(String nodeId, String addr) {
        return "{\"nodeid\":\"" + nodeId + "\",\"addr\":\"" + addr + "\"}";
    }

    private static String uuid(int i) {
        return String.format("00000000-0000-4000-8000-%012d", i);
    }

    @Test
    void addrBeyondMaxEntriesKeepsExactlyMaxAndCountsTheRestAsInvalid() throws ProtocolViolation {
        int extra = 7;
        StringBuilder b = new StringBuilder("{\"msgtype\":\"addr\",\"peers\":[");
        for (int i = 0; i < MessageCodec.MAX_ADDR_ENTRIES + extra; i++) {
            b.append(i == 0 ? "" : ",").append(entry(uuid(i), "10.0.0.1:" + (1000 + i)));
        }
        b.append("]}");

        Message.Addr addr = assertInstanceOf(Message.Addr.class, decode(b.toString()));
        assertEquals(MessageCodec.MAX_ADDR_ENTRIES, addr.peers().size());
        assertEquals(extra, addr.invalidEntries());
        assertEquals(new Message.AddrEntry(uuid(0), "10.0.0.1:1000"), addr.peers().get(0));
        int last = MessageCodec.MAX_ADDR_ENTRIES - 1;
        assertEquals(new Message.AddrEntry(uuid(last), "10.0.0.1:" + (1000 + last)), addr.peers().get(last));
    }

    @Test
    void addrEntriesWithBadNodeIdOrAddrAreDroppedAndCounted() throws ProtocolViolation {
        String line = "{\"msgtype\":\"addr\",\"peers\":["
                + entry(ID, "10.0.0.7:5999") + ","
                + entry("abc", "10.0.0.8:5999") + ","             // nodeid not a UUID
                + "{\"nodeid\":42,\"addr\":\"10.0.0.9:5999\"},"     // nodeid not a string
                + "{\"addr\":\"10.0.0.9:5999\"},"                   // no nodeid
                + entry(ID2, "no-port") + ","                      // addr not host:port
                + entry(ID2, "10.0.0.1:0") + ","                   // port 0
                + "{\"nodeid\":\"" + ID2 + "\",\"addr\":[\"10.0.0.1:1\"]},"  // addr not a string
                + "{\"nodeid\":\"" + ID2 + "\"},"                  // no addr
                + "\"10.0.0.1:1\",42,null,[],"                     // not objects
                + "{\"nodeid\":\"" + ID2 + "\",\"addr\":\"peers.example:6000\",\"extra\":{\"x\":[1]}}"
                + "]}";

        Message.Addr addr = assertInstanceOf(Message.Addr.class, decode(line));
        assertEquals(List.of(
                new Message.AddrEntry(ID, "10.0.0.7:5999"),
                new Message.AddrEntry(ID2, "peers.example:6000")), addr.peers());
        assertEquals(11, addr.invalidEntries());
    }

    @Test
    void addrWithoutPeersOrWithNullPeersIsEmpty() throws ProtocolViolation {
        assertEquals(new Message.Addr(List.of(), 0), decode("{\"msgtype\":\"addr\"}"));
        assertEquals(new Message.Addr(List.of(), 0), decode("{\"msgtype\":\"addr\",\"peers\":null}"));
    }

    // ---------------------------------------------------------------- msgtype labels

    @ParameterizedTest
    @EnumSource(value = MsgType.class, mode = EnumSource.Mode.EXCLUDE, names = "UNKNOWN")
    void msgTypeLabelRoundTripsThroughFromWire(MsgType type) {
        assertEquals(type, MsgType.fromWire(type.label()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "unknown", "Hello", "PING", "hello ", "version", "getaddr\u0000"})
    void unlistedMsgtypeIsUnknown(String value) {
        assertEquals(MsgType.UNKNOWN, MsgType.fromWire(value));
    }

    @Test
    void uuidCheckAcceptsCanonicalFormOnly() {
        assertTrue(MessageCodec.isUuid(ID));
        assertTrue(MessageCodec.isUuid(ID2));
        assertFalse(MessageCodec.isUuid(null));
        assertFalse(MessageCodec.isUuid("abc"));
        assertFalse(MessageCodec.isUuid(ID + "0"));
        assertFalse(MessageCodec.isUuid(ID.replace('-', '_')));
        assertFalse(MessageCodec.isUuid(ID.replace('a', 'g')));
    }

    @Test
    void unknownMsgtypeIsClippedTo256Characters() throws ProtocolViolation {
        Message.Unknown m = assertInstanceOf(Message.Unknown.class,
                decode("{\"msgtype\":\"" + "z".repeat(1000) + "\"}"));
        assertEquals(256, m.msgtype().length());
    }
}
