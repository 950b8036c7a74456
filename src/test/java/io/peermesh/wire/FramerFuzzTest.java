package io.peermesh.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link LineFramer} with Jazzer (see README "Fuzzing").
 *
 * <p>The fuzzer picks {@code max-frame-bytes} (small, so that its inputs of a few KiB reach the
 * limits), cuts its bytes into chunks of sizes it also picks ({@link Script}), and feeds them one
 * read at a time.
 * Checked against a simple model (the whole stream split on {@code \n}):
 * <ul>
 *   <li>nothing but {@link ProtocolViolation} ({@code frame_too_large}) ever escapes;</li>
 *   <li>after every read, at most {@code max-frame-bytes + 1} bytes are buffered;</li>
 *   <li>every delivered line is non-empty, has no {@code \n}, is at most {@code max-frame-bytes};</li>
 *   <li>the lines delivered are exactly the model's non-empty lines ({@code \r} of {@code \r\n}
 *       dropped), in order; a violation is thrown only for a line that really is too long, and
 *       always for one that is;</li>
 *   <li>a sink answering false stops delivery at once.</li>
 * </ul>
 * In {@code ./mvnw verify} this replays {@code FramerFuzzTestInputs/framerChunks/*} only
 * (Jazzer's regression mode); {@code JAZZER_FUZZ=1} fuzzes.
 */
class FramerFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void framerChunks(byte[] input) {
        Script script = Script.parse(input);
        int maxFrame = script.maxFrame;
        int stopAfter = script.stopAfter;
        LineFramer framer = new LineFramer(maxFrame);

        List<byte[]> delivered = new ArrayList<>();
        ByteArrayOutputStream fed = new ByteArrayOutputStream();
        boolean[] stopped = {false};
        LineFramer.LineSink sink = line -> {
            assertFalse(stopped[0], "a line was delivered after the sink answered false");
            byte[] bytes = line.getBytes(); // a copy: the slice belongs to the read
            delivered.add(bytes);
            if (delivered.size() == stopAfter) {
                stopped[0] = true;
                return false;
            }
            return true;
        };

        for (byte[] chunk : script.chunks) {
            fed.writeBytes(chunk);
            try {
                framer.feed(Buffer.buffer(chunk), sink);
            } catch (ProtocolViolation v) {
                assertEquals(ProtocolError.FRAME_TOO_LARGE, v.error(), v.getMessage());
                checkLines(delivered, maxFrame);
                checkViolationIsDeserved(fed.toByteArray(), delivered, maxFrame);
                return; // the connection closes: nothing more is fed
            }
            assertTrue(framer.bufferedBytes() <= maxFrame + 1,
                    framer.bufferedBytes() + " bytes buffered with max-frame-bytes " + maxFrame);
            checkLines(delivered, maxFrame);
            if (stopped[0]) {
                // The rest of that read is dropped (the connection is closing): what was delivered
                // is a prefix of the stream's lines.
                assertPrefix(Model.of(fed.toByteArray()).complete.stream().filter(l -> l.length > 0).toList(), delivered);
                return;
            }
            // The read went through: it must not have held a line that is too long, every complete
            // line so far was delivered in order, and exactly the unfinished rest is buffered.
            Model model = Model.of(fed.toByteArray());
            for (byte[] line : model.complete) {
                if (line.length > maxFrame) {
                    fail("a " + line.length + "-byte line passed a framer with max-frame-bytes " + maxFrame);
                }
            }
            assertTrue(model.tail.length <= maxFrame + 1, "an unterminated " + model.tail.length + "-byte tail was kept");
            List<byte[]> expected = model.complete.stream().filter(l -> l.length > 0).toList();
            assertEquals(expected.size(), delivered.size(), "number of lines delivered");
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), delivered.get(i), "line " + i);
            }
            assertEquals(model.tail.length, framer.bufferedBytes(), "bytes of the unfinished line buffered");
        }
    }

    private static void checkLines(List<byte[]> delivered, int maxFrame) {
        for (byte[] line : delivered) {
            assertTrue(line.length > 0, "an empty line was delivered");
            assertTrue(line.length <= maxFrame, "a " + line.length + "-byte line was delivered, max-frame-bytes " + maxFrame);
            for (byte b : line) {
                assertTrue(b != '\n', "a delivered line contains a newline");
            }
        }
    }

    /** The framer refused: the next line (complete, or the unterminated rest) must be too long. */
    private static void checkViolationIsDeserved(byte[] fed, List<byte[]> delivered, int maxFrame) {
        Model model = Model.of(fed);
        List<byte[]> nonEmpty = model.complete.stream().filter(l -> l.length > 0).toList();
        assertPrefix(nonEmpty, delivered);
        // The first line the framer did not deliver: complete lines first, then the tail.
        int seen = 0;
        for (byte[] line : model.complete) {
            if (line.length == 0) {
                continue;
            }
            if (seen++ < delivered.size()) {
                continue;
            }
            assertTrue(line.length > maxFrame, "refused a complete line of " + line.length
                    + " bytes, max-frame-bytes " + maxFrame);
            return;
        }
        assertTrue(model.tail.length > maxFrame + 1, "refused an unfinished line of " + model.tail.length
                + " bytes, max-frame-bytes " + maxFrame);
    }

    private static void assertPrefix(List<byte[]> expected, List<byte[]> delivered) {
        assertTrue(delivered.size() <= expected.size(), "more lines delivered than the stream has");
        for (int i = 0; i < delivered.size(); i++) {
            assertArrayEquals(expected.get(i), delivered.get(i), "line " + i);
        }
    }

    /**
     * How the fuzzer's bytes drive the framer, a format simple enough to write seeds by hand:
     * byte 0 sets max-frame-bytes ({@code 64 + 4 * (b & 0x7f)}, 64..572); byte 1 the line after
     * which the sink answers false (0: never); then chunks, each a length byte {@code L} followed
     * by that many bytes (fewer at the end of the input): {@code L} below 0xF0 is the length
     * itself, 0xF0..0xFF mean 256..4096 ({@code (L - 0xEF) * 256}), so one read can hold several
     * frames' worth.
     */
    record Script(int maxFrame, int stopAfter, List<byte[]> chunks) {
        static Script parse(byte[] in) {
            int maxFrame = 64 + 4 * ((in.length > 0 ? in[0] : 0) & 0x7f);
            int stopAfter = in.length > 1 ? in[1] & 0xff : 0;
            List<byte[]> chunks = new ArrayList<>();
            int i = 2;
            while (i < in.length) {
                int l = in[i++] & 0xff;
                int size = l < 0xF0 ? l : (l - 0xEF) * 256;
                int end = Math.min(in.length, i + size);
                chunks.add(java.util.Arrays.copyOfRange(in, i, end));
                i = end;
            }
            return new Script(maxFrame, stopAfter == 0 ? -1 : stopAfter, chunks);
        }
    }

    /** The whole stream split on '\n': complete lines (one trailing '\r' dropped) and the rest. */
    private record Model(List<byte[]> complete, byte[] tail) {

        static Model of(byte[] stream) {
            List<byte[]> all = split(stream);
            return new Model(all.subList(0, all.size() - 1), rawTail(stream));
        }

        /** Complete lines with '\r' dropped, then the unterminated rest as the last element. */
        static List<byte[]> split(byte[] stream) {
            List<byte[]> lines = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < stream.length; i++) {
                if (stream[i] == '\n') {
                    int end = i;
                    if (end > start && stream[end - 1] == '\r') {
                        end--;
                    }
                    lines.add(java.util.Arrays.copyOfRange(stream, start, end));
                    start = i + 1;
                }
            }
            lines.add(java.util.Arrays.copyOfRange(stream, start, stream.length));
            return lines;
        }

        private static byte[] rawTail(byte[] stream) {
            int start = 0;
            for (int i = 0; i < stream.length; i++) {
                if (stream[i] == '\n') {
                    start = i + 1;
                }
            }
            return java.util.Arrays.copyOfRange(stream, start, stream.length);
        }
    }
}
