package io.peermesh.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The application API with the default settings: the member list is served, writes are refused. */
@QuarkusTest
class MeshApiDefaultsTest {

    @Test
    void membersListsThisNodeAliveFirst() {
        given().get("/members").then().statusCode(200)
                .body("[0].self", equalTo(true))
                .body("[0].state", equalTo("alive"))
                .body("[0].direct", equalTo(false));
    }

    @Test
    void writesAreOffByDefaultWithAnErrorNamingTheKey() {
        given().contentType("application/json").body("{\"topic\":\"t\",\"payload\":1}").post("/broadcast")
                .then().statusCode(403).body("error", equalTo("writes_refused"))
                .body("message", containsString("p2p.api.writes"));
        given().contentType("application/json").body("{\"zone\":\"a\"}").put("/node/metadata")
                .then().statusCode(403).body("message", containsString("P2P_API_WRITES"));
    }
}
