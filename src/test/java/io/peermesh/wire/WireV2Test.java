package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What v2 adds to the wire: metadata in hello and meta, broadcast; and that v1 lines still decode as before. */
class WireV2Test {

    private static final String ID = "3f0c9a5e-1b2c-4d3e-8f40-5a6b7c8d9e0f";

    private static Message decode(String line) throws ProtocolViolation {
        return MessageCodec.decode(Buffer.buffer(line));
    }

    @Test
    void aMinimalHelloHasNoMetadataAndIncarnationZero() throws ProtocolViolation {
        Message.Hello h = (Message.Hello) decode("{\"msgtype\":\"hello\",\"nodeid\":\"" + ID + "\"}");
        assertEquals(Metadata.EMPTY, h.metadata());
        assertEquals(0, h.incarnation());
        assertNull(h.metadataDropped());
        assertNull(h.version());
    }

    @Test
    void aV1HelloIsEncodedWithoutV2Fields() {
        String line = MessageCodec.encode(new Message.Hello(ID, 1, "peermesh", "10.0.0.5:5999", 0,
                Metadata.of(Map.of("zone", "a")), 3, null)).toString();
        assertTrue(!line.contains("metadata") && !line.contains("incarnation"), line);
    }

    @Test
    void metadataThatIsNotAnObjectOfStringsIsDroppedNotTheHello() throws ProtocolViolation {
        for (String bad : new String[] {"[1]", "\"zone\"", "{\"zone\":1}", "{\"bad key\":\"x\"}", "{\"zone\":{\"a\":\"b\"}}"}) {
            Message.Hello h = (Message.Hello) decode("{\"msgtype\":\"hello\",\"nodeid\":\"" + ID + "\",\"version\":2,"
                    + "\"metadata\":" + bad + "}");
            assertEquals(MetadataDrop.INVALID, h.metadataDropped(), bad);
            assertEquals(Metadata.EMPTY, h.metadata(), bad);
        }
    }

    @Test
    void metadataOverFourKibibytesIsDroppedAsOversize() throws ProtocolViolation {
        String big = "x".repeat(Metadata.MAX_BYTES);
        Message.Meta m = (Message.Meta) decode("{\"msgtype\":\"meta\",\"incarnation\":4,\"metadata\":{\"a\":\"" + big + "\"}}");
        assertEquals(MetadataDrop.OVERSIZE, m.dropped());
        assertEquals(Metadata.EMPTY, m.metadata());
        assertEquals(4, m.incarnation());
        // Exactly at the bound is kept.
        Message.Meta fits = (Message.Meta) decode("{\"msgtype\":\"meta\",\"incarnation\":4,\"metadata\":{\"a\":\""
                + "x".repeat(Metadata.MAX_BYTES - 1) + "\"}}");
        assertNull(fits.dropped());
        assertEquals(Metadata.MAX_BYTES, fits.metadata().bytes());
    }

    @Test
    void aNegativeIncarnationIsAnInvalidHello() {
        ProtocolViolation v = assertThrows(ProtocolViolation.class,
                () -> decode("{\"msgtype\":\"hello\",\"nodeid\":\"" + ID + "\",\"incarnation\":-1}"));
        assertEquals(ProtocolError.INVALID_HELLO, v.error());
    }

    @Test
    void aBroadcastKeepsItsPayloadVerbatim() throws ProtocolViolation {
        for (String payload : new String[] {"{\"a\": [1, 2.5e3, true, null], \"b\": \"\\u00e9\"}", "17", "\"text\"", "[]",
                "null", "false"}) {
            Message.Broadcast b = (Message.Broadcast) decode("{\"msgtype\":\"broadcast\",\"origin\":\"" + ID
                    + "\",\"seq\":3,\"topic\":\"t\",\"payload\":" + payload + ",\"sent\":99}");
            assertEquals(payload, b.payload());
            assertEquals(99, b.sentMillis());
            assertEquals(b, decode(MessageCodec.encode(b).toString().trim()));
        }
    }

    @Test
    void aBroadcastWithoutItsFieldsIsAnInvalidMessage() {
        String[] bad = {
            "{\"msgtype\":\"broadcast\",\"seq\":1,\"topic\":\"t\",\"payload\":1}",
            "{\"msgtype\":\"broadcast\",\"origin\":\"" + ID + "\",\"seq\":0,\"topic\":\"t\",\"payload\":1}",
            "{\"msgtype\":\"broadcast\",\"origin\":\"" + ID + "\",\"seq\":1,\"topic\":\"bad topic\",\"payload\":1}",
            "{\"msgtype\":\"broadcast\",\"origin\":\"" + ID + "\",\"seq\":1,\"topic\":\"t\"}",
        };
        for (String line : bad) {
            ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> decode(line), line);
            assertEquals(ProtocolError.INVALID_MESSAGE, v.error(), line);
        }
    }

    @Test
    void metadataKeysAndSizeAreCheckedWithMessagesNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metadata.of(Map.of("bad key", "v")));
        assertTrue(e.getMessage().contains("'bad key'"), e.getMessage());
        Map<String, String> big = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            big.put("k" + i, "v".repeat(40));
        }
        assertInstanceOf(Metadata.TooLarge.class, assertThrows(IllegalArgumentException.class, () -> Metadata.of(big)));
    }

    // ---------------------------------------------------------------- links (issue #14)

    private static final String OTHER = "9a41c0de-0000-4000-8000-00000000beef";

    @Test
    void aLinksSummaryRoundTrips() throws ProtocolViolation {
        Message.Links m = new Message.Links(7, java.util.List.of(
                new Message.LinkEntry(ID, "10.0.0.5:5999", LinkState.UP, 0.4321, 0.0),
                new Message.LinkEntry(null, "10.0.0.9:5999", LinkState.REFUSED, null, null)), 0);
        String line = MessageCodec.encode(m).toString();
        assertEquals("{\"msgtype\":\"links\",\"seq\":7,\"links\":[{\"state\":\"up\",\"nodeid\":\"" + ID
                + "\",\"addr\":\"10.0.0.5:5999\",\"rtt\":0.432,\"loss\":0.0},{\"state\":\"refused\",\"addr\":\"10.0.0.9:5999\"}]}\n", line);
        Message.Links back = (Message.Links) decode(line.trim());
        assertEquals(7, back.seq());
        assertEquals(0, back.invalidEntries());
        assertEquals(new Message.LinkEntry(ID, "10.0.0.5:5999", LinkState.UP, 0.432, 0.0), back.links().get(0));
        assertEquals(new Message.LinkEntry(null, "10.0.0.9:5999", LinkState.REFUSED, null, null), back.links().get(1));
    }

    @Test
    void aLinksSummaryWithoutSeqOrArrayIsAProtocolError() {
        for (String bad : new String[] {
                "{\"msgtype\":\"links\",\"links\":[]}",
                "{\"msgtype\":\"links\",\"seq\":0,\"links\":[]}",
                "{\"msgtype\":\"links\",\"seq\":\"1\",\"links\":[]}",
                "{\"msgtype\":\"links\",\"seq\":1}",
                "{\"msgtype\":\"links\",\"seq\":1,\"links\":{}}",
                "{\"msgtype\":\"links\",\"seq\":1,\"links\":\"up\"}"}) {
            ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> decode(bad), bad);
            assertEquals(ProtocolError.INVALID_MESSAGE, v.error(), bad);
            assertTrue(v.getMessage().startsWith("links "), v.getMessage());
        }
    }

    @Test
    void badLinkEntriesAreDroppedAndCountedNotTheConnection() throws ProtocolViolation {
        String[] bad = {"1", "[]", "{}", "{\"state\":\"up\"}", "{\"nodeid\":\"" + OTHER + "\"}",
                "{\"nodeid\":\"not-a-uuid\",\"state\":\"up\"}", "{\"addr\":\"nohost\",\"state\":\"refused\"}",
                "{\"nodeid\":\"" + OTHER + "\",\"state\":\"sideways\"}", "{\"nodeid\":\"" + OTHER + "\",\"state\":1}",
                "{\"nodeid\":\"" + OTHER + "\",\"state\":\"up\",\"rtt\":-1}",
                "{\"nodeid\":\"" + OTHER + "\",\"state\":\"up\",\"rtt\":\"1\"}",
                "{\"nodeid\":\"" + OTHER + "\",\"state\":\"up\",\"rtt\":1e9}",
                "{\"nodeid\":\"" + OTHER + "\",\"state\":\"up\",\"loss\":1.5}",
                "{\"nodeid\":{\"a\":1},\"state\":\"up\"}"};
        String good = "{\"nodeid\":\"" + OTHER + "\",\"state\":\"up\",\"rtt\":2,\"loss\":1,\"future\":[1,2]}";
        Message.Links m = (Message.Links) decode("{\"msgtype\":\"links\",\"seq\":3,\"links\":[" + String.join(",", bad)
                + "," + good + "]}");
        assertEquals(bad.length, m.invalidEntries());
        assertEquals(java.util.List.of(new Message.LinkEntry(OTHER, null, LinkState.UP, 2.0, 1.0)), m.links());
    }

    @Test
    void entriesBeyondTheBoundAreDroppedAndCounted() throws ProtocolViolation {
        StringBuilder b = new StringBuilder("{\"msgtype\":\"links\",\"seq\":1,\"links\":[");
        int n = MessageCodec.MAX_LINK_ENTRIES + 5;
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"addr\":\"10.0.0.1:").append(1000 + i).append("\",\"state\":\"timeout\"}");
        }
        Message.Links m = (Message.Links) decode(b.append("]}").toString());
        assertEquals(MessageCodec.MAX_LINK_ENTRIES, m.links().size());
        assertEquals(5, m.invalidEntries());
    }

    @Test
    void aTruncatedLinksLineIsInvalidJson() {
        ProtocolViolation v = assertThrows(ProtocolViolation.class,
                () -> decode("{\"msgtype\":\"links\",\"seq\":1,\"links\":[{\"nodeid\":\"" + OTHER + "\",\"state\""));
        assertEquals(ProtocolError.INVALID_JSON, v.error());
    }
}
