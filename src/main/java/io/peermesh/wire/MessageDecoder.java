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

/**
 * Decodes one line into a {@link Message}: checks it is strict UTF-8, walks the one JSON object with
 * Jackson's streaming parser (fields read by {@link FieldReader}, the message built and checked by
 * {@link MessageBuilder}) and turns Jackson's errors into {@code invalid_json}.
 *
 * <p>Streaming instead of building a tree: unknown fields are skipped without being materialised,
 * and the parser's own limits (nesting depth, number and string length) bound the work a hostile
 * line can cause. Stateless and thread safe.
 */
final class MessageDecoder {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .maxStringLength(64 * 1024)
                    .build())
            .build();

    private MessageDecoder() {
    }

    static Message decode(Buffer line) throws ProtocolViolation {
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
                throw new ProtocolViolation(ProtocolError.NOT_AN_OBJECT, "line is JSON " + MessageBuilder.describe(first) + ", not an object");
            }
            Fields f = new Fields();
            f.text = text;
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                FieldReader.readField(p, name, value, f);
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new ProtocolViolation(ProtocolError.INVALID_JSON, "object is not closed");
            }
            if (p.nextToken() != null) {
                throw new ProtocolViolation(ProtocolError.INVALID_JSON, "data after the JSON object");
            }
            return MessageBuilder.build(f);
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
}
