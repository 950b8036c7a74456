package io.peermesh.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.node.Eventually;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The HTTP and SSE endpoints with writes on: the member stream (snapshot, changes, resume with
 * Last-Event-ID), metadata at run time, broadcast and the message stream, and every limit's
 * answer. A core {@link PeerNode} started here plays the member that joins and leaves.
 */
@QuarkusTest
@TestProfile(MeshApiStreamsTest.WritesOn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshApiStreamsTest {

    /** Writes on, three streams at most, small payloads, and ten publishes for the whole class. */
    public static class WritesOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("p2p.api.writes", "on",
                    "p2p.api.max-streams", "3",
                    "p2p.metadata.zone", "test-zone",
                    "p2p.broadcast.max-payload-bytes", "2048",
                    // 10 publishes, then one token per 1000 s: the 429 test is exact whatever the timing
                    "p2p.broadcast.publish-rate", "0.001",
                    "p2p.broadcast.publish-burst", "10");
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;
    @Inject
    Streams streams;

    private static Vertx testVertx;

    @AfterAll
    static void closeVertx() throws Exception {
        if (testVertx != null) {
            testVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void memberStreamGivesSnapshotThenChangesAndResumesWithoutGapOrDuplicate() throws Exception {
        String self = given().get("/node").jsonPath().getString("nodeid");
        List<SseClient.Event> changes;
        String snapshotId;
        PeerNode joiner;
        try (SseClient stream = SseClient.open("members", uri("members/stream"), DEADLINE)) {
            SseClient.Event snapshot = stream.nextEvent("the snapshot", DEADLINE);
            assertEquals("snapshot", snapshot.name());
            snapshotId = snapshot.id();
            assertNotNull(snapshotId, "a snapshot carries the id to resume after");
            JsonNode members = JSON.readTree(snapshot.data());
            assertEquals(self, members.get(0).get("nodeid").asText());
            assertTrue(members.get(0).get("self").asBoolean());
            assertEquals("test-zone", members.get(0).get("metadata").get("zone").asText());

            given().contentType("application/json").body("{\"role\":\"streams-test\"}").put("/node/metadata")
                    .then().statusCode(204);
            SseClient.Event updated = stream.nextEvent("updated for this node", DEADLINE);
            assertEquals("updated", updated.name());
            JsonNode me = JSON.readTree(updated.data());
            assertEquals(self, me.get("nodeid").asText());
            assertEquals("streams-test", me.get("metadata").get("role").asText());
            assertEquals("test-zone", me.get("metadata").get("zone").asText(), "p2p.metadata.* keys stay");

            joiner = startJoiner();
            String joinerId = joiner.nodeId();
            SseClient.Event joinedEvent = stream.await("joined " + joinerId,
                    DEADLINE, e -> "joined".equals(e.name()) && e.data().contains(joinerId));
            JsonNode joined = JSON.readTree(joinedEvent.data());
            assertEquals("alive", joined.get("state").asText());
            assertEquals("joiner-zone", joined.get("metadata").get("zone").asText());
            assertTrue(joined.get("direct").asBoolean());

            joiner.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            stream.await("left " + joinerId, DEADLINE, e -> "left".equals(e.name()) && e.data().contains(joinerId));
            List<SseClient.Event> events = stream.takenEvents();
            changes = events.subList(1, events.size()); // all after the snapshot
        }
        for (SseClient.Event e : changes) {
            assertNotNull(e.id(), "every change has an id: " + e);
        }

        // Reconnect as an EventSource does after a drop: exactly the changes after the snapshot, in order.
        String lastId = changes.get(changes.size() - 1).id();
        awaitOpenStreams(0); // max-streams 3: the closed stream must be let go of first
        try (SseClient resumed = SseClient.open("resumed", uri("members/stream"), snapshotId, DEADLINE)) {
            resumed.await("the last change again", DEADLINE, e -> lastId.equals(e.id()));
            assertEquals(ids(changes), ids(resumed.takenEvents()),
                    "resumed after the snapshot: the same changes, no gap, no duplicate");
            assertTrue(resumed.taken().stream().anyMatch(e -> ("resuming after " + snapshotId).equals(e.comment())),
                    resumed.describeTaken());
        }
        // An id the node does not have (another run's, or one too old): a fresh snapshot.
        awaitOpenStreams(0);
        try (SseClient fresh = SseClient.open("fresh", uri("members/stream"), "0badc0de-12", DEADLINE)) {
            assertEquals("snapshot", fresh.nextEvent("a fresh snapshot", DEADLINE).name());
        }
    }

    @Test
    @Order(2)
    void metadataThatBreaksTheRulesIsRefusedWithTheReason() {
        put("[1,2]").statusCode(400).body("error", equalTo("invalid_metadata"));
        put("{\"bad key\":\"x\"}").statusCode(400).body("error", equalTo("invalid_metadata"))
                .body("message", containsString("bad key"));
        put("{\"n\":1}").statusCode(400).body("message", containsString("string value"));
        put("{\"zone\":\"elsewhere\"}").statusCode(400).body("message", containsString("zone"));
        put("{not json").statusCode(400).body("error", equalTo("invalid_json"));
        put("{\"big\":\"" + "x".repeat(Metadata.MAX_BYTES) + "\"}").statusCode(413)
                .body("error", equalTo("metadata_too_large"));
        given().get("/members").then().statusCode(200).body("[0].metadata.role", equalTo("streams-test"));
    }

    @Test
    @Order(3)
    void aBroadcastReachesTheStreamsOfItsTopicOnceWithSenderIdAndTime() throws Exception {
        String self = given().get("/node").jsonPath().getString("nodeid");
        // The first test's streams count against max-streams 3 until the sweep lets go of them (within
        // 1 s of their close): opened at once, this test's three got a 503.
        awaitOpenStreams(0);
        try (SseClient alpha = SseClient.open("alpha", uri("messages/stream?topic=alpha"), DEADLINE);
             SseClient beta = SseClient.open("beta", uri("messages/stream?topic=beta"), DEADLINE);
             SseClient all = SseClient.open("all", uri("messages/stream"), DEADLINE)) {
            alpha.awaitComment("subscribed to alpha", DEADLINE);
            beta.awaitComment("subscribed to beta", DEADLINE);
            all.awaitComment("subscribed", DEADLINE);

            String id = publish("alpha", "{\"n\":1,\"s\":\"caf\\u00e9\"}");
            SseClient.Event a = alpha.nextEvent("the alpha message", DEADLINE);
            assertEquals("message", a.name());
            assertEquals(id, a.id());
            JsonNode m = JSON.readTree(a.data());
            assertEquals(self, m.get("origin").asText());
            assertEquals("alpha", m.get("topic").asText());
            assertEquals(JSON.readTree("{\"n\":1,\"s\":\"café\"}"), m.get("payload"));
            assertNotNull(m.get("sentAt").asText());

            String betaId = publish("beta", "[true,null]");
            assertEquals(betaId, beta.nextEvent("the beta message", DEADLINE).id(), "beta's stream skips alpha");
            assertEquals(List.of(id, betaId), ids(List.of(all.nextEvent("1st", DEADLINE), all.nextEvent("2nd", DEADLINE))),
                    "an unfiltered stream gets both, in the order they were sent");
        }
    }

    @Test
    @Order(4)
    void streamsBeyondTheLimitAreAnswered503AndAClosedOneFreesItsSlot() throws Exception {
        awaitOpenStreams(0);
        List<SseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                SseClient c = SseClient.open("t" + i, uri("messages/stream?topic=t" + i), DEADLINE);
                open.add(c);
                c.awaitComment("subscribed", DEADLINE);
            }
            given().get("/members/stream").then().statusCode(503)
                    .body("error", equalTo("too_many_streams"))
                    .body("message", containsString("p2p.api.max-streams"));
            open.remove(0).close();
            awaitOpenStreams(2); // the sweep notices the closed connection within a second
            try (SseClient again = SseClient.open("again", uri("members/stream"), DEADLINE)) {
                assertEquals("snapshot", again.nextEvent("a snapshot", DEADLINE).name());
            }
        } finally {
            for (SseClient c : open) {
                c.close();
            }
        }
    }

    @Test
    @Order(5)
    void badBroadcastsAreRefusedWithTheReasonAndNothingIsSent() throws Exception {
        post("{\"topic\":\"x\"").statusCode(400).body("error", equalTo("invalid_json"));
        post("{\"topic\":\"x\"}").statusCode(400).body("error", equalTo("invalid_broadcast"));
        post("{\"topic\":\"no spaces\",\"payload\":1}").statusCode(400).body("error", equalTo("invalid_topic"));
        post("{\"topic\":\"x\",\"payload\":\"" + "y".repeat(2100) + "\"}").statusCode(413)
                .body("error", equalTo("payload_too_large")).body("message", containsString("2048"));
        given().get("/messages/stream?topic=a%20b").then().statusCode(400)
                .body("error", equalTo("invalid_topic")).body("message", containsString("letters"));
    }

    @Test
    @Order(6)
    void publishingBeyondTheRateIsAnswered429() {
        // The class has 10 publishes in all (publish-burst) and refills one per 1000 s.
        boolean limited = false;
        for (int i = 0; i < 11 && !limited; i++) {
            var r = given().contentType("application/json").body("{\"topic\":\"rate\",\"payload\":" + i + "}").post("/broadcast");
            limited = r.statusCode() == 429;
            if (limited) {
                r.then().body("error", equalTo("rate_limited")).body("message", notNullValue());
            } else {
                assertEquals(202, r.statusCode(), r.asString());
            }
        }
        assertTrue(limited, "11 publishes against a burst of 10 must meet a 429");
    }

    // ---------------------------------------------------------------- helpers

    private PeerNode startJoiner() throws Exception {
        testVertx = testVertx == null ? Vertx.vertx() : testVertx;
        String appListen = given().get("/node").jsonPath().getString("listen");
        NodeConfig config = NodeConfig.builder()
                .host("127.0.0.1").port(0)
                .bootstrap(List.of(HostPort.parse(appListen).orElseThrow()))
                .minPeers(0)
                .metadata(Metadata.of(Map.of("zone", "joiner-zone")))
                .build();
        return PeerNode.deploy(testVertx, config, NodeClock.SYSTEM, NodeObserver.NONE)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private String publish(String topic, String payload) {
        return given().contentType("application/json").body("{\"topic\":\"" + topic + "\",\"payload\":" + payload + "}")
                .post("/broadcast").then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static io.restassured.response.ValidatableResponse put(String body) {
        return given().contentType("application/json").body(body).put("/node/metadata").then();
    }

    private static io.restassured.response.ValidatableResponse post(String body) {
        return given().contentType("application/json").body(body).post("/broadcast").then();
    }

    private void awaitOpenStreams(int n) {
        Eventually.await(DEADLINE, () -> streams.openCount() == n,
                () -> "open streams: " + streams.openCount() + ", expected " + n);
    }

    private URI uri(String path) throws Exception {
        return base.toURI().resolve(path);
    }

    private static List<String> ids(List<SseClient.Event> events) {
        return events.stream().map(SseClient.Event::id).toList();
    }
}
