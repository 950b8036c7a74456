package io.peermesh.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.service.PeerService;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /mesh}, its stream and the page's routes on a lone node (issue #14), in the test launch
 * mode: the dev-mode companions (p2p.dev.companions, 2 by default) must not start here.
 */
@QuarkusTest
class MeshResourceTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Inject
    PeerService service;
    @Inject
    MeshStreams meshStreams;
    @TestHTTPResource("/mesh/stream")
    URI stream;

    /**
     * The application is shared with the other @QuarkusTests of the default profile: members their
     * nodes left behind stay listed (as {@code left}, 60 s), so only what no earlier test changes is asserted.
     */
    @Test
    void aNodeWithoutPeersListsItselfFirstWithNoLinkUpAndSaysWhyItIsNotReady() {
        String self = service.node().nodeId();
        given().get("/mesh").then().statusCode(200)
                .body("self", equalTo(self))
                .body("ready", equalTo(false))
                .body("reason", notNullValue())
                .body("members[0].nodeid", equalTo(self))
                .body("members[0].id", equalTo(self.substring(0, 8)))
                .body("members[0].self", equalTo(true))
                .body("members.findAll { it.state == 'alive' }", hasSize(1))
                .body("links.findAll { it.state == 'up' }", hasSize(0));
    }

    @Test
    void noCompanionNodesOutsideDevMode() {
        given().get("/peers").then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void thePageIsServedAtTheRootAndUnderUi() {
        for (String path : new String[] {"/", "/ui/"}) {
            given().get(path).then().statusCode(200).contentType(containsString("text/html"))
                    .body(containsString("<script src=\"/ui/mesh.js\"></script>"));
        }
        given().get("/ui/mesh.js").then().statusCode(200).body(containsString("EventSource('/mesh/stream')"));
        // Nothing from elsewhere: no absolute http(s) URL in the page or its assets.
        for (String path : new String[] {"/ui/", "/ui/mesh.js", "/ui/mesh.css"}) {
            String body = given().get(path).then().statusCode(200).extract().asString();
            assertTrue(!body.replace("http://www.w3.org/2000/svg", "").matches("(?s).*https?://.*"), path);
        }
    }

    @Test
    void historyNeedsBothEndsAndIsEmptyForAnUnknownLink() {
        given().get("/mesh/history").then().statusCode(400).body("error", equalTo("invalid_link"));
        given().get("/mesh/history?from=a&to=b").then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void theStreamSendsTheViewAtOnceAndItsTimerStopsWithTheLastStream() throws Exception {
        try (SseClient client = SseClient.open("mesh", stream, DEADLINE)) {
            SseClient.Event e = client.await("mesh event", DEADLINE, ev -> "mesh".equals(ev.name()));
            assertTrue(e.data().contains("\"self\":\"" + service.node().nodeId() + "\""), e.data());
            assertNull(e.id());
            assertTrue(meshStreams.running());
        }
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (meshStreams.running() && System.nanoTime() < deadline) {
            Thread.sleep(20); // the sweep notices the closed stream within a second, the next check cancels the timer
        }
        assertEquals(false, meshStreams.running(), "mesh stream timer still running with no stream open");
    }
}
