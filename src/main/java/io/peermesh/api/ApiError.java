package io.peermesh.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The JSON body of every refused API request: {@code {"error": <code>, "message": <what to do>}}. */
public record ApiError(String error, String message) {

    public static Response response(int status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(error, message)).build();
    }
}
