package io.peermesh.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.members.Member;
import io.peermesh.members.MemberEvent;
import io.peermesh.members.MemberEvents;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.Metadata;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The member list, its event stream, and this node's metadata. */
@Path("/")
public class MembersResource {

    @Inject
    PeerService service;
    @Inject
    Streams streams;
    @Inject
    WriteGuard guard;
    @Inject
    ObjectMapper json;

    @GET
    @Path("members")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<Member>> members() {
        PeerNode node = running();
        return Uni.createFrom().completionStage(() -> node.members().toCompletionStage());
    }

    /**
     * SSE: one {@code snapshot} event (the array of {@code GET /members}), then one event per
     * change named by its kind, each with an id. With {@code Last-Event-ID} the stream resumes
     * after that event when the node still has what came after it, else starts with a snapshot.
     */
    @GET
    @Path("members/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void stream(@Context SseEventSink sink, @Context Sse sse, @Context HttpServerRequest request,
                       @HeaderParam("Last-Event-ID") String lastEventId) {
        PeerNode node = running();
        SseStream stream = streams.open("members", sink, sse, request);
        MemberEvents.Listener listener = e -> stream.send(e.kind().label(), e.id(), write(e.member()));
        stream.onClose(() -> node.unsubscribeMembers(listener));
        boolean subscribed = node.subscribeMembers(lastEventId, listener, catchup -> {
            if (catchup.snapshot() != null) {
                stream.send("snapshot", catchup.lastId(), write(catchup.snapshot()));
                return;
            }
            stream.comment("resuming after " + lastEventId);
            for (MemberEvent e : catchup.missed()) {
                stream.send(e.kind().label(), e.id(), write(e.member()));
            }
        });
        if (!subscribed) {
            stream.close();
        }
    }

    /**
     * Replaces the metadata keys set at run time with this JSON object of strings; the keys of
     * {@code p2p.metadata.*} stay as configured. Reaches every member as an {@code updated} event.
     */
    @PUT
    @Path("node/metadata")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> putMetadata(@Context HttpServerRequest request, String body) {
        Metadata metadata;
        try {
            guard.check(request);
            metadata = parseMetadata(body);
        } catch (ApiError.Failure e) {
            return Uni.createFrom().item(e.response());
        }
        PeerNode node = running();
        return Uni.createFrom().completionStage(() -> node.setMetadata(metadata).toCompletionStage())
                .map(ok -> Response.noContent().build())
                .onFailure(IllegalArgumentException.class)
                .recoverWithItem(e -> e instanceof Metadata.TooLarge
                        ? ApiError.response(413, "metadata_too_large", e.getMessage() + " (with the p2p.metadata.* keys)")
                        : ApiError.response(400, "invalid_metadata", e.getMessage()));
    }

    private Metadata parseMetadata(String body) throws ApiError.Failure {
        JsonNode tree = ApiError.readJson(json, body);
        if (tree == null || !tree.isObject()) {
            throw new ApiError.Failure(400, "invalid_metadata", "the body must be a JSON object of strings");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String problem = Metadata.keyProblem(e.getKey());
            if (problem != null) {
                throw new ApiError.Failure(400, "invalid_metadata", problem);
            }
            if (!e.getValue().isTextual()) {
                throw new ApiError.Failure(400, "invalid_metadata", "metadata key '" + e.getKey() + "' must have a string value");
            }
            pairs.put(e.getKey(), e.getValue().textValue());
        }
        try {
            return Metadata.of(pairs);
        } catch (IllegalArgumentException e) {
            throw new ApiError.Failure(413, "metadata_too_large", e.getMessage());
        }
    }

    private String write(Object value) {
        return ApiError.write(json, value);
    }

    private PeerNode running() {
        return ApiError.running(service);
    }
}
