package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramerTest {

    private static final int MAX = 64;

    private final LineFramer framer = new LineFramer(MAX);
    private final List<String> lines = new ArrayList<>();

    /** Sink that records every line as UTF-8 text and keeps going. */
    private boolean collect(Buffer line) {
        lines.add(line.toString(StandardCharsets.UTF_8));
        return true;
    }

    private void feed(String text) throws ProtocolViolation {
        feed(text.getBytes(StandardCharsets.UTF_8));
    }

    private void feed(byte[] bytes) throws ProtocolViolation {
        framer.feed(Buffer.buffer(bytes), this::collect);
    }

    @Test
    void lineSplitAcrossTwoReadsIsDeliveredOnceAndIntact() throws ProtocolViolation {
        feed("{\"msgtype\":");
        assertEquals(List.of(), lines);
        feed("\"ping\"}\n");
        assertEquals(List.of("{\"msgtype\":\"ping\"}"), lines);
        assertEquals(0, framer.bufferedBytes());
    }

    @Test
    void lineFedByteByByteIsDeliveredOnceAndIntact() throws ProtocolViolation {
        String line = "{\"msgtype\":\"hello\",\"nodeid\":\"x\"}";
        for (byte b : (line + "\n").getBytes(StandardCharsets.UTF_8)) {
            feed(new byte[] {b});
        }
        assertEquals(List.of(line), lines);
        assertEquals(0, framer.bufferedBytes());
    }

    @Test
    void manyLinesInOneReadAreAllDeliveredInOrder() throws ProtocolViolation {
        feed("one\ntwo\nthree\nfour\n");
        assertEquals(List.of("one", "two", "three", "four"), lines);
    }

    @Test
    void crlfIsAcceptedAndCarriageReturnStripped() throws ProtocolViolation {
        feed("one\r\ntwo\r\n");
        assertEquals(List.of("one", "two"), lines);
    }

    @Test
    void crlfSplitBetweenReadsIsStripped() throws ProtocolViolation {
        feed("one\r");
        feed("\n");
        assertEquals(List.of("one"), lines);
    }

    @Test
    void emptyLinesAreSkipped() throws ProtocolViolation {
        feed("\n\r\none\n\n\r\ntwo\n\n");
        assertEquals(List.of("one", "two"), lines);
    }

    @Test
    void lineOfExactlyMaxFrameBytesIsAccepted() throws ProtocolViolation {
        String line = "x".repeat(MAX);
        feed(line + "\n");
        assertEquals(List.of(line), lines);
    }

    @Test
    void lineOfExactlyMaxFrameBytesWithCarriageReturnIsAccepted() throws ProtocolViolation {
        String line = "x".repeat(MAX);
        feed(line + "\r\n");
        assertEquals(List.of(line), lines);
    }

    @Test
    void lineOfExactlyMaxFrameBytesSplitBeforeTheNewlineIsAccepted() throws ProtocolViolation {
        String line = "x".repeat(MAX);
        feed(line + "\r");
        assertEquals(MAX + 1, framer.bufferedBytes());
        feed("\n");
        assertEquals(List.of(line), lines);
    }

    @Test
    void lineOneByteOverMaxFrameBytesIsFrameTooLarge() {
        ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> feed("x".repeat(MAX + 1) + "\n"));
        assertEquals(ProtocolError.FRAME_TOO_LARGE, v.error());
        assertEquals(List.of(), lines);
    }

    @Test
    void lineOneByteOverMaxFrameBytesWithCarriageReturnIsFrameTooLarge() {
        ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> feed("x".repeat(MAX + 1) + "\r\n"));
        assertEquals(ProtocolError.FRAME_TOO_LARGE, v.error());
    }

    @Test
    void lineOneByteOverMaxFrameBytesSplitAcrossReadsIsFrameTooLarge() throws ProtocolViolation {
        feed("x".repeat(MAX + 1));
        ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> feed("\n"));
        assertEquals(ProtocolError.FRAME_TOO_LARGE, v.error());
        assertEquals(List.of(), lines);
    }

    @Test
    void moreThanMaxFrameBytesWithoutNewlineIsFrameTooLargeBeforeBufferingUnboundedly() {
        ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> {
            for (int i = 0; i < 10 * MAX; i++) {
                feed("0123456789");
                assertTrue(framer.bufferedBytes() <= MAX + 1,
                        "buffered " + framer.bufferedBytes() + " bytes, max is " + (MAX + 1));
            }
        });
        assertEquals(ProtocolError.FRAME_TOO_LARGE, v.error());
        assertTrue(framer.bufferedBytes() <= MAX + 1);
        assertEquals(List.of(), lines);
    }

    @Test
    void oneHugeReadWithoutNewlineIsFrameTooLargeAndNotBuffered() {
        ProtocolViolation v = assertThrows(ProtocolViolation.class, () -> feed("x".repeat(100 * MAX)));
        assertEquals(ProtocolError.FRAME_TOO_LARGE, v.error());
        assertEquals(0, framer.bufferedBytes());
    }

    @Test
    void sinkReturningFalseStopsDeliveryOfLaterLinesInTheSameRead() throws ProtocolViolation {
        List<String> seen = new ArrayList<>();
        framer.feed(Buffer.buffer("one\ntwo\nthree\n"), line -> {
            seen.add(line.toString());
            return false;
        });
        assertEquals(List.of("one"), seen);
    }

    @Test
    void dataAfterTheLastNewlineIsKeptForTheNextRead() throws ProtocolViolation {
        feed("one\ntw");
        assertEquals(List.of("one"), lines);
        assertEquals(2, framer.bufferedBytes());
        feed("o\nthr");
        assertEquals(List.of("one", "two"), lines);
        feed("ee\n");
        assertEquals(List.of("one", "two", "three"), lines);
        assertEquals(0, framer.bufferedBytes());
    }

    @Test
    void bufferedDataIsCopiedNotAliasedToTheTransportChunk() throws ProtocolViolation {
        Buffer chunk = Buffer.buffer("abc");
        framer.feed(chunk, this::collect);
        chunk.setBytes(0, "XYZ".getBytes(StandardCharsets.UTF_8)); // the transport reuses its memory
        feed("\n");
        assertEquals(List.of("abc"), lines);
    }

    @Test
    void multiByteUtf8SplitAcrossReadsReassembles() throws ProtocolViolation {
        String text = "h\u00e9llo \u20ac \uD83D\uDE00 \u65e5\u672c";
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        // Split inside every multi-byte sequence: one byte per read.
        for (byte b : bytes) {
            feed(new byte[] {b});
        }
        // And split in the middle of the 4-byte emoji only.
        int emoji = text.indexOf('\uD83D');
        int cut = text.substring(0, emoji).getBytes(StandardCharsets.UTF_8).length + 2;
        feed(Arrays.copyOfRange(bytes, 0, cut));
        feed(Arrays.copyOfRange(bytes, cut, bytes.length));
        assertEquals(List.of(text, text), lines);
    }

    @Test
    void maxFrameBytesBelow64IsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LineFramer(63));
    }
}
