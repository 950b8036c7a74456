package io.peermesh.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;

/** The mesh as a graph (issue #14): {@code GET /mesh}, its live stream, and one link's last 15 minutes. */
@Path("/mesh")
public class MeshResource {

    @Inject
    PeerService service;
    @Inject
    Streams streams;
    @Inject
    MeshStreams meshStreams;
    @Inject
    LinkHistory history;
    @Inject
    ObjectMapper json;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<MeshView> mesh() {
        PeerNode node = ApiError.running(service);
        return Uni.createFrom().completionStage(() -> MeshStreams.view(node).toCompletionStage());
    }

    /**
     * SSE: a {@code mesh} event (the object of {@code GET /mesh}) at once, then one each time it
     * changes, checked every {@value MeshStreams#CHECK_MILLIS} ms.
     */
    @GET
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void stream(@Context SseEventSink sink, @Context Sse sse, @Context HttpServerRequest request) {
        ApiError.running(service);
        SseStream stream = streams.open("mesh", sink, sse, request);
        meshStreams.add(stream);
    }

    /** One link's buckets of the last 15 minutes, oldest first, as {@code from} reported it. */
    @GET
    @Path("history")
    @Produces(MediaType.APPLICATION_JSON)
    public Response history(@QueryParam("from") String from, @QueryParam("to") String to) {
        if (from == null || to == null || from.isBlank() || to.isBlank()) {
            return ApiError.response(400, "invalid_link", "give from (a node id) and to (a node id or host:port)");
        }
        List<LinkHistory.Bucket> buckets = history.of(from, to);
        return Response.ok(buckets).build();
    }
}
