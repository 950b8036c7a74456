package io.peermesh.service;

import static io.peermesh.service.PeerServiceTest.await;
import static io.peermesh.service.PeerServiceTest.value;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.NodeClock;
import io.peermesh.node.TestCa;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.config.PeerTls;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The application with mutual TLS on its peer port, configured the way a deployment does it: a
 * Quarkus TLS configuration {@code quarkus.tls.peer.*} with PEM files (made by openssl for this
 * run) and {@code p2p.tls.configuration-name=peer}. A core node with a certificate from the same
 * CA connects and makes the app ready; plain text is refused and counted; /node says TLS is on and
 * names the certificate; no key material shows in any endpoint.
 */
@QuarkusTest
@TestProfile(MutualTlsServiceTest.PeerTlsProfile.class)
@EnabledIf("io.peermesh.node.TestCa#tlsTestsEnabled")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MutualTlsServiceTest {

    /** The certificates, made once per JVM (the profile and the test may sit in different class loaders). */
    static final class Certificates {
        private static final String PROPERTY = "peermesh.test.tls.dir";

        static synchronized Path dir() {
            String existing = System.getProperty(PROPERTY);
            if (existing != null) {
                return Path.of(existing);
            }
            try {
                Path target = Path.of(System.getProperty("user.dir"), "target");
                Files.createDirectories(target);
                Path root = Files.createTempDirectory(target, "tls-test-");
                TestCa ca = TestCa.create(root, "mesh-ca");
                ca.issue("app-node");
                ca.issue("test-node");
                System.setProperty(PROPERTY, ca.dir.toString());
                return ca.dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static class PeerTlsProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path dir = Certificates.dir();
            return Map.of(
                    "p2p.tls.configuration-name", "peer",
                    "quarkus.tls.peer.key-store.pem.0.cert", dir.resolve("app-node.crt").toString(),
                    "quarkus.tls.peer.key-store.pem.0.key", dir.resolve("app-node.key").toString(),
                    "quarkus.tls.peer.trust-store.pem.certs", dir.resolve("ca.crt").toString());
        }
    }

    private static Vertx testVertx;
    private static PeerNode testNode;

    @AfterAll
    static void closeTestNode() throws Exception {
        if (testNode != null) {
            testNode.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (testVertx != null) {
            testVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void nodeSaysTlsIsOnAndNamesTheCertificate() {
        JsonPath node = node();
        assertTrue(node.getBoolean("tls"), node.prettify());
        assertEquals("CN=app-node", node.getString("tlsCertificate.subject"), node.prettify());
        assertEquals("CN=mesh-ca", node.getString("tlsCertificate.issuer"), node.prettify());
        assertEquals(List.of("CN=mesh-ca"), node.getList("tlsCertificate.trustedCas"), node.prettify());
        assertTrue(Instant.parse(node.getString("tlsCertificate.notAfter")).isAfter(Instant.now()), node.prettify());
    }

    @Test
    @Order(2)
    void aCoreNodeWithACertificateFromTheMeshCaConnectsAndTheAppBecomesReady() throws Exception {
        Path dir = Certificates.dir();
        testVertx = Vertx.vertx();
        NodeConfig config = NodeConfig.builder()
                .host("127.0.0.1").port(0).minPeers(0)
                .bootstrap(List.of(HostPort.parse(node().getString("listen")).orElseThrow()))
                .tls(PeerTls.pem(dir.resolve("test-node.crt").toString(), dir.resolve("test-node.key").toString(),
                        dir.resolve("ca.crt").toString()))
                .build();
        testNode = PeerNode.deploy(testVertx, config, NodeClock.SYSTEM, NodeObserver.NONE)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        JsonPath ready = await("/q/health/ready UP with the TLS peer", () -> health("/q/health/ready"),
                h -> "UP".equals(h.getString("status")));
        assertEquals(1, ready.getInt("checks.find { it.name == 'peermesh-peers' }.data.peers"), ready.prettify());
        String id = testNode.nodeId();
        await("the app lists the TLS peer with an RTT", MutualTlsServiceTest::peerList,
                ps -> ps.stream().anyMatch(p -> id.equals(p.get("nodeid"))
                        && p.get("lastRttMillis") != null));
        assertEquals(1, testNode.peerCount());
    }

    @Test
    @Order(3)
    void aPlainTextPeerIsRefusedBeforeItsHelloAndCounted() throws Exception {
        String metrics = metrics();
        double before = value(metrics, "p2p_protocol_errors_total", "reason=\"tls_handshake_failed\"");
        double refusedBefore = value(metrics, "p2p_handshakes_total", "result=\"refused\"");
        double hellosBefore = value(metrics, "p2p_messages_received_total", "msgtype=\"hello\"");

        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", appPort()), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("{\"msgtype\":\"hello\",\"nodeid\":\"6f1c1e9e-44f5-4a43-9c6a-3c5b8f0e4d11\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
            assertTrue(closedWithoutALine(socket.getInputStream()), "the app must close a plain-text connection unanswered");
        }

        await("tls_handshake_failed counted", MutualTlsServiceTest::metrics,
                m -> value(m, "p2p_protocol_errors_total", "reason=\"tls_handshake_failed\"") >= before + 1
                        && value(m, "p2p_handshakes_total", "result=\"refused\"") >= refusedBefore + 1);
        assertEquals(hellosBefore, value(metrics(), "p2p_messages_received_total", "msgtype=\"hello\""),
                "no hello was read from the plain-text connection");
        assertEquals(1, testNode.peerCount(), "the TLS peer stays connected");
    }

    @Test
    @Order(4)
    void noKeyMaterialOrFileContentsInAnyEndpoint() throws IOException {
        Path dir = Certificates.dir();
        List<String> secrets = new ArrayList<>();
        for (String file : List.of("app-node.key", "test-node.key", "ca.key")) {
            Files.readString(dir.resolve(file)).lines()
                    .filter(l -> !l.startsWith("-----") && l.length() >= 16).forEach(secrets::add);
        }
        assertFalse(secrets.isEmpty());
        for (String path : List.of("/node", "/peers", "/node/targets", "/q/metrics", "/q/health")) {
            String body = given().when().get(path).then().extract().asString();
            assertNotNull(body, path);
            assertFalse(body.contains("PRIVATE KEY"), path + " shows a private key");
            assertFalse(body.contains(dir.toString()), path + " shows the certificate files' paths");
            for (String s : secrets) {
                assertFalse(body.contains(s), path + " shows key material");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonPath node() {
        return given().when().get("/node").then().statusCode(200).extract().jsonPath();
    }

    private static List<Map<String, Object>> peerList() {
        return given().when().get("/peers").then().statusCode(200).extract().jsonPath().getList("$");
    }

    private static JsonPath health(String path) {
        return given().when().get(path).then().extract().jsonPath();
    }

    private static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static int appPort() {
        String listen = node().getString("listen");
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    /** True when the server ends the connection without sending a line of the protocol. */
    private static boolean closedWithoutALine(InputStream in) throws IOException {
        StringBuilder read = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) >= 0) {
                read.append((char) c); // a TLS alert at most
            }
        } catch (SocketException e) {
            // reset: closed as well
        } catch (SocketTimeoutException e) {
            return false;
        }
        return !read.toString().contains("msgtype");
    }
}
