package io.peermesh.service;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Quarkus adapter end to end, against the application started by {@code @QuarkusTest} (test
 * profile: peer server on 127.0.0.1 and a free port, no bootstrap, pings every 1 s). A core
 * {@link PeerNode} started by the test plays the remote peer; a raw socket plays a minimal one.
 *
 * <p>The methods run in order and share the test node: it joins (2), is observed in metrics (3),
 * and leaves (4). Every wait polls with a deadline; none sleeps a fixed time.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PeerServiceTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final long POLL_MILLIS = 100;
    private static final Pattern UUID_PATTERN = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Vertx testVertx;
    private static PeerNode testNode;

    @AfterAll
    static void closeTestVertx() throws Exception {
        if (testNode != null) {
            testNode.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (testVertx != null) {
            testVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- the flow

    @Test
    @Order(1)
    void withoutBootstrapReadinessIsDownAndSaysWhyWhileLivenessAndStartupAreUp() {
        // Only this class connects peers to the shared application; make sure none is left over.
        await("no peers connected", this::peers, List::isEmpty);

        JsonPath ready = health("/q/health/ready");
        assertEquals("DOWN", ready.getString("status"), ready.prettify());
        Map<String, Object> data = ready.getMap("checks.find { it.name == 'peermesh-peers' }.data");
        assertNotNull(data, ready.prettify());
        assertEquals(0, data.get("peers"));
        assertEquals(1, data.get("minPeers"));
        String reason = String.valueOf(data.get("reason"));
        assertTrue(reason.contains("nothing to discover from"), reason);
        assertTrue(reason.contains("p2p.bootstrap"), reason);

        JsonPath live = health("/q/health/live");
        assertEquals("UP", live.getString("status"), live.prettify());
        assertEquals("UP", live.getString("checks.find { it.name == 'peermesh-server' }.status"), live.prettify());
        assertEquals(appPort(), live.getInt("checks.find { it.name == 'peermesh-server' }.data.port"));

        JsonPath started = health("/q/health/started");
        assertEquals("UP", started.getString("status"), started.prettify());
        assertEquals("UP", started.getString("checks.find { it.name == 'peermesh-started' }.status"),
                started.prettify());
    }

    @Test
    @Order(2)
    void aNodeDiallingTheAppMakesItReadyAndIsListedWithItsRoundTripTimes() throws Exception {
        String appListen = node().getString("listen");
        assertEquals("127.0.0.1:" + appPort(), appListen);

        testVertx = Vertx.vertx();
        NodeConfig config = NodeConfig.builder()
                .host("127.0.0.1").port(0)
                .bootstrap(List.of(HostPort.parse(appListen).orElseThrow()))
                .minPeers(0)
                .build();
        testNode = PeerNode.deploy(testVertx, config, NodeClock.SYSTEM, NodeObserver.NONE)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        JsonPath ready = await("/q/health/ready UP with a peer", () -> health("/q/health/ready"),
                h -> "UP".equals(h.getString("status"))
                        && h.getInt("checks.find { it.name == 'peermesh-peers' }.data.peers") >= 1);
        assertEquals(1, ready.getInt("checks.find { it.name == 'peermesh-peers' }.data.minPeers"));

        String testId = testNode.nodeId();
        Map<String, Object> peer = await("the app lists the test node", this::peers,
                ps -> find(ps, testId) != null).stream().filter(p -> testId.equals(p.get("nodeid"))).findFirst().get();
        assertEquals("inbound", peer.get("direction"));
        assertEquals(testNode.advertised().toString(), peer.get("listenAddress"));
        assertNotNull(peer.get("connectedSince"));
        assertNotNull(peer.get("remoteAddress"));
        assertEquals(2, peer.get("version"));
        assertEquals("peermesh", peer.get("network"));

        // The app pings every second; after a round the round trip is known.
        Map<String, Object> pinged = find(await("an RTT for the test node", this::peers,
                ps -> find(ps, testId) != null && find(ps, testId).get("lastRttMillis") != null), testId);
        assertPositiveNumber(pinged.get("lastRttMillis"), "lastRttMillis");
        assertPositiveNumber(pinged.get("smoothedRttMillis"), "smoothedRttMillis");
        assertPositiveNumber(pinged.get("minRttMillis"), "minRttMillis");
        assertTrue(((Number) pinged.get("minRttMillis")).doubleValue() <= ((Number) pinged.get("lastRttMillis")).doubleValue(),
                "the minimum is at most the last: " + pinged);
        assertTrue(pinged.containsKey("jitterMillis"), "jitterMillis listed (null until the second pong): " + pinged);
        // Jitter needs two round trips: one more ping round (every second in the test profile).
        Map<String, Object> twice = find(await("a jitter for the test node", this::peers,
                ps -> find(ps, testId) != null && find(ps, testId).get("jitterMillis") != null), testId);
        assertTrue(twice.get("jitterMillis") instanceof Number j && j.doubleValue() >= 0, "jitterMillis: " + twice);
        assertNotNull(pinged.get("lastPong"), pinged.toString());

        // The link's history: every sample so far, oldest first, the newest one the last RTT.
        List<Map<String, Object>> history = given().when().get("/peers/" + testId + "/rtt").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertTrue(history.size() >= 2, "two round trips at least: " + history);
        for (Map<String, Object> sample : history) {
            assertPositiveNumber(sample.get("rttMillis"), "rttMillis");
            assertNotNull(java.time.Instant.parse((String) sample.get("at")));
        }
        assertTrue(java.time.Instant.parse((String) history.get(0).get("at"))
                .isBefore(java.time.Instant.parse((String) history.get(history.size() - 1).get("at"))), history.toString());
        JsonPath unknown = given().when().get("/peers/00000000-0000-4000-8000-000000000000/rtt").then().statusCode(404)
                .extract().jsonPath();
        assertEquals("unknown_peer", unknown.getString("error"));

        JsonPath node = node();
        assertTrue(UUID_PATTERN.matcher(node.getString("nodeid")).matches(), node.prettify());
        assertEquals("peermesh", node.getString("network"));
        assertEquals(2, node.getInt("protocolVersion"));
        assertTrue(node.getInt("peers") >= 1, node.prettify());
        assertTrue(node.getBoolean("ready"), node.prettify());
    }

    @Test
    @Order(3)
    void metricsDescribeTheConnectionWithoutNodeIdsOrAddresses() {
        assertNotNull(testNode, "needs the test node of the previous step");
        // The ping round that gave an RTT has been counted; poll anyway in case the scrape raced it.
        String body = await("ping metrics", PeerServiceTest::metrics,
                m -> value(m, "p2p_ping_rtt_seconds_count", null) >= 1
                        && value(m, "p2p_messages_sent_total", "msgtype=\"ping\"") >= 1);

        assertTrue(value(body, "p2p_peers", "direction=\"inbound\"") >= 1, "p2p_peers inbound");
        assertTrue(value(body, "p2p_handshakes_total", "result=\"ok\"") >= 1, "handshakes ok");
        assertTrue(value(body, "p2p_messages_received_total", "msgtype=\"hello\"") >= 1, "hello received");
        assertTrue(value(body, "p2p_messages_sent_total", "msgtype=\"ping\"") >= 1, "ping sent");
        assertTrue(value(body, "p2p_ping_rtt_seconds_count", null) >= 1, "rtt count");
        // The start's RTT warm-up (p2p.rtt-warmup=200 in tests) measures into a registry of its own.
        assertTrue(value(body, "p2p_ping_rtt_seconds_count", null) < 200, "warm-up round trips counted as the node's");
        assertTrue(body.lines().anyMatch(l -> l.startsWith("p2p_ping_rtt_seconds_bucket{") && l.contains("le=\"")),
                "rtt histogram buckets");
        assertTrue(value(body, "p2p_peer_timeouts_total", null) >= 0, "peer timeouts");
        assertTrue(body.lines().anyMatch(l -> l.startsWith("p2p_dials_total{") && l.contains("result=\"")), "dials");
        assertTrue(value(body, "p2p_protocol_errors_total", "reason=\"invalid_json\"") >= 0, "protocol errors");

        // No series may name a node or a peer's address. (Quarkus' own Vert.x binder publishes
        // tcp_* series for the peer server tagged with the server's bind host and configured port,
        // host="127.0.0.1",port="0" here: one fixed series per server, not per peer, so the address
        // check covers the p2p_* series and, everywhere, the test node's own ports.)
        String testListenPort = "\"" + testNode.advertised().port() + "\"";
        List<String> leaking = body.lines()
                .filter(l -> !l.startsWith("#"))
                .filter(l -> UUID_PATTERN.matcher(l).find()
                        || (l.startsWith("p2p_") && l.contains("127.0.0.1"))
                        || l.contains(testListenPort)
                        || l.contains(testNode.advertised().toString()))
                .toList();
        assertEquals(List.of(), leaking, "metric lines must not carry node ids or peer addresses");
        assertTrue(body.lines().filter(l -> l.startsWith("p2p_")).noneMatch(l -> l.contains("127.0.0.1")));
    }

    @Test
    @Order(4)
    void whenTheNodeClosesTheAppDropsItAndIsNoLongerReady() throws Exception {
        assertNotNull(testNode, "needs the test node of the previous steps");
        testNode.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        testNode = null;

        await("the app drops the closed node", this::peers, List::isEmpty);
        JsonPath ready = await("/q/health/ready DOWN again", () -> health("/q/health/ready"),
                h -> "DOWN".equals(h.getString("status")));
        assertEquals(0, ready.getInt("checks.find { it.name == 'peermesh-peers' }.data.peers"), ready.prettify());
        assertEquals("UP", health("/q/health/live").getString("status"));
    }

    @Test
    @Order(5)
    void aRawSocketSpeakingTheMinimalProtocolIsAnsweredAndClosedOnGarbage() throws Exception {
        JsonPath node = node();
        String appId = node.getString("nodeid");
        String appListen = node.getString("listen");
        double invalidJsonBefore = value(metrics(), "p2p_protocol_errors_total", "reason=\"invalid_json\"");
        String rawId = UUID.randomUUID().toString();

        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", appPort()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));

            write(out, "{\"msgtype\":\"hello\",\"nodeid\":\"" + rawId + "\"}\n");
            String first = in.readLine();
            assertNotNull(first, "the server closed the socket instead of answering the hello");
            JsonNode hello = JSON.readTree(first); // the first line back is the app's hello
            assertEquals("hello", hello.path("msgtype").asText(), hello.toString());
            assertEquals(appId, hello.path("nodeid").asText(), hello.toString());
            assertEquals(2, hello.path("version").asInt(), hello.toString());
            assertEquals("peermesh", hello.path("network").asText(), hello.toString());
            assertEquals(appListen, hello.path("listen").asText(), hello.toString());

            // A hello with nothing but a nodeid is enough to become a peer.
            await("the app lists the raw peer", this::peers, ps -> find(ps, rawId) != null);

            write(out, "{\"msgtype\":\"ping\"}\n");
            JsonNode pong = readSkippingUnsolicited(in);
            assertEquals("pong", pong.path("msgtype").asText(), pong.toString());
            assertFalse(pong.has("nonce"), "a pong to a nonce-less ping carries no nonce: " + pong);

            write(out, "not json\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            StringBuilder after = new StringBuilder();
            while (true) {
                int c;
                try {
                    c = in.read();
                } catch (SocketTimeoutException e) {
                    fail("the server did not close the socket after a line that is not JSON; read after it: " + after);
                    return;
                }
                if (c < 0) {
                    break; // closed by the server
                }
                after.append((char) c); // the app's own pings or getaddr may still arrive before the close
                if (System.nanoTime() > deadline) {
                    fail("the server kept the socket open after a line that is not JSON; read after it: " + after);
                }
            }
        }

        await("p2p_protocol_errors_total{reason=\"invalid_json\"} increased", PeerServiceTest::metrics,
                m -> value(m, "p2p_protocol_errors_total", "reason=\"invalid_json\"") >= invalidJsonBefore + 1);
        await("the app drops the raw peer", this::peers, ps -> find(ps, rawId) == null);
    }

    // ---------------------------------------------------------------- helpers

    private static JsonPath health(String path) {
        // DOWN answers 503, UP 200: both carry the JSON this test reads.
        return given().when().get(path).then().extract().jsonPath();
    }

    private static JsonPath node() {
        return given().when().get("/node").then().statusCode(200).extract().jsonPath();
    }

    private static int appPort() {
        String listen = node().getString("listen");
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    private List<Map<String, Object>> peers() {
        return given().when().get("/peers").then().statusCode(200).extract().jsonPath().getList("$");
    }

    private static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static Map<String, Object> find(List<Map<String, Object>> peers, String nodeId) {
        return peers.stream().filter(p -> nodeId.equals(p.get("nodeid"))).findFirst().orElse(null);
    }

    private static void assertPositiveNumber(Object value, String what) {
        assertTrue(value instanceof Number, what + " is not a number: " + value);
        assertTrue(((Number) value).doubleValue() > 0, what + " is not positive: " + value);
    }

    /**
     * The value of the first sample of {@code name} whose labels contain {@code label} (any labels
     * when null); fails when there is none.
     */
    static double value(String body, String name, String label) {
        for (String line : body.lines().toList()) {
            if (!line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            String valueText;
            if (rest.startsWith("{")) {
                int close = rest.lastIndexOf('}');
                if (label != null && !rest.substring(0, close).contains(label)) {
                    continue;
                }
                valueText = rest.substring(close + 1).trim();
            } else if (rest.startsWith(" ") && label == null) {
                valueText = rest.trim();
            } else {
                continue;
            }
            return Double.parseDouble(valueText.split("\\s+")[0]);
        }
        throw new AssertionError("no sample " + name + (label == null ? "" : "{" + label + "}") + " in /q/metrics");
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Reads the next line that is not one of the messages the app sends a new peer on its own: its
     * pings (always with a nonce) and its peer-exchange {@code getaddr}/{@code addr}.
     */
    private static JsonNode readSkippingUnsolicited(BufferedReader in) throws IOException {
        for (int i = 0; i < 20; i++) {
            String line = in.readLine();
            assertNotNull(line, "the server closed the socket");
            JsonNode msg = JSON.readTree(line);
            String type = msg.path("msgtype").asText();
            boolean unsolicited = ("ping".equals(type) && msg.has("nonce")) || "getaddr".equals(type) || "addr".equals(type);
            if (!unsolicited) {
                return msg;
            }
        }
        throw new AssertionError("only unsolicited messages from the server");
    }

    /** Polls {@code probe} every {@value #POLL_MILLIS} ms until {@code done} holds; fails after {@link #DEADLINE}. */
    static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        T last = null;
        Throwable lastError = null;
        while (true) {
            try {
                last = probe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException | AssertionError e) {
                lastError = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError error = new AssertionError("timed out after " + DEADLINE.toSeconds() + " s waiting for "
                        + what + "; last seen: " + (last instanceof JsonPath j ? j.prettify() : last));
                if (lastError != null) {
                    error.addSuppressed(lastError);
                }
                throw error;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
