package io.peermesh.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.broadcast.Broadcasts;
import io.peermesh.broadcast.Delivery;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.MessageCodec;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Instant;
import java.util.Map;

/** Broadcast to every member, and the stream of broadcasts delivered here. */
@Path("/")
public class BroadcastResource {

    @Inject
    PeerService service;
    @Inject
    Streams streams;
    @Inject
    WriteGuard guard;
    @Inject
    ObjectMapper json;

    /** {@code {"topic": "...", "payload": <any JSON value>}}: 202 with the message id, or a JSON error. */
    @POST
    @Path("broadcast")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> broadcast(@Context HttpServerRequest request, String body) {
        JsonNode tree;
        try {
            guard.check(request);
            tree = ApiError.readJson(json, body);
        } catch (ApiError.Failure e) {
            return Uni.createFrom().item(e.response());
        }
        if (tree == null || !tree.isObject() || !tree.path("topic").isTextual() || !tree.has("payload")) {
            return Uni.createFrom().item(ApiError.response(400, "invalid_broadcast",
                    "the body must be {\"topic\": \"<name>\", \"payload\": <any JSON value>}"));
        }
        String topic = tree.get("topic").textValue();
        String payload = ApiError.write(json, tree.get("payload"));
        PeerNode node = running();
        return Uni.createFrom().completionStage(() -> node.publish(topic, payload).toCompletionStage())
                .map(BroadcastResource::answer);
    }

    static Response answer(PublishResult result) {
        if (result instanceof PublishResult.Published p) {
            return Response.accepted(Map.of("id", p.id())).type(MediaType.APPLICATION_JSON).build();
        }
        PublishResult.Refused r = (PublishResult.Refused) result;
        return switch (r.reason()) {
            case RATE -> ApiError.response(429, "rate_limited", r.message());
            case PAYLOAD_SIZE -> ApiError.response(413, "payload_too_large", r.message());
            case TOPIC -> ApiError.response(400, "invalid_topic", r.message());
            case NOT_RUNNING -> ApiError.response(503, "not_running", r.message());
        };
    }

    /** SSE: one {@code message} event per broadcast delivered here from now on, optionally of one topic. */
    @GET
    @Path("messages/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void stream(@Context SseEventSink sink, @Context Sse sse, @Context HttpServerRequest request,
                       @QueryParam("topic") String topic) {
        String topicProblem = topic == null ? null : MessageCodec.topicProblem(topic);
        if (topicProblem != null) { // a status, not an empty stream: answered before the stream opens
            throw new WebApplicationException(ApiError.response(400, "invalid_topic", topicProblem));
        }
        PeerNode node = running();
        SseStream stream = streams.open("messages", sink, sse, request);
        Broadcasts.Listener listener = d -> {
            if (topic == null || topic.equals(d.topic())) {
                stream.send("message", d.id(), write(d));
            }
        };
        stream.onClose(() -> node.unsubscribeMessages(listener));
        if (node.subscribeMessages(listener)) {
            stream.comment("subscribed" + (topic == null ? "" : " to " + topic));
        } else {
            stream.close();
        }
    }

    /** The message as JSON, its payload spliced in verbatim (it is valid JSON: the codec or the API checked it). */
    private String write(Delivery d) {
        StringBuilder b = new StringBuilder(96 + d.payload().length());
        b.append("{\"id\":").append(ApiError.write(json, d.id()))
                .append(",\"origin\":").append(ApiError.write(json, d.origin()))
                .append(",\"seq\":").append(d.seq())
                .append(",\"topic\":").append(ApiError.write(json, d.topic()))
                .append(",\"sentAt\":\"").append(Instant.ofEpochMilli(d.sentMillis()))
                .append("\",\"receivedAt\":\"").append(Instant.ofEpochMilli(d.receivedMillis()))
                .append("\",\"payload\":").append(d.payload()).append('}');
        return b.toString();
    }

    private PeerNode running() {
        return ApiError.running(service);
    }
}
