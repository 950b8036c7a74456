package io.peermesh.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The JSON body of every refused API request: {@code {"error": <code>, "message": <what to do>}}. */
public record ApiError(String error, String message) {

    public static Response response(int status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(error, message)).build();
    }

    /** A request refused while reading it; {@link #response()} is the answer. */
    static final class Failure extends Exception {
        private final int status;
        private final String code;

        Failure(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        Response response() {
            return ApiError.response(status, code, getMessage());
        }
    }

    /** The request body as JSON, or a 400 {@code invalid_json}. */
    static JsonNode readJson(ObjectMapper json, String body) throws Failure {
        try {
            return json.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            throw new Failure(400, "invalid_json", "the body is not JSON: " + e.getOriginalMessage());
        }
    }

    /** {@code value} as JSON text (member records and strings always serialise). */
    static String write(ObjectMapper json, Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** The running node, or 503 while it starts. */
    static PeerNode running(PeerService service) {
        PeerNode node = service.node();
        if (node == null) {
            throw new ServiceUnavailableException("node is starting");
        }
        return node;
    }
}
