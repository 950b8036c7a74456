package io.peermesh.it;

import io.peermesh.api.SseClient;
import static io.peermesh.it.AppProcesses.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The application API of three packaged nodes on loopback, as an application beside each node
 * sees it through {@code /members/stream} and {@code /messages/stream?topic=it}: the members with
 * their {@code p2p.metadata.zone}, a metadata change, a broadcast delivered exactly once to each
 * node, and a member that leaves on SIGTERM. Node C takes its metadata from the environment
 * ({@code P2P_METADATA_ZONE}, {@code P2P_METADATA_VERSION}: the variables k8s/base/statefulset.yaml
 * sets from the downward API), so this also shows that those names reach {@code p2p.metadata.*}.
 *
 * <p>Every wait has a deadline and ends as soon as the event arrives: nothing sleeps a fixed time.
 */
class ThreeNodeApiProcessIT {

    private static final Duration READY_DEADLINE = Duration.ofSeconds(60);
    private static final Duration EVENT_DEADLINE = Duration.ofSeconds(30);
    private static final String TOPIC = "it";
    // HTTP/1.1: one connection per stream, no h2c upgrade attempt on a long-lived GET.
    private static final HttpClient SSE_HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private AppProcesses apps;
    private final List<SseClient> streams = new ArrayList<>();

    /** One node of the test; {@code id} known once it answers. */
    private static final class Node {
        final String name;
        final String zone;
        final int http;
        final int p2p;
        Process process;
        String id;
        SseClient members;
        SseClient messages;
        /** Latest record per node id, as this node's members stream told it. */
        final Map<String, JsonNode> view = new LinkedHashMap<>();

        Node(String name, String zone, int http, int p2p) {
            this.name = name;
            this.zone = zone;
            this.http = http;
            this.p2p = p2p;
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        apps = new AppProcesses();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (SseClient s : streams) {
            s.close();
        }
        apps.close();
    }

    @Test
    void threeNodesStreamMembersWithMetadataItsUpdatesOneDeliveryPerBroadcastAndALeave() throws Exception {
        int[] ports = AppProcesses.freePorts(6);
        Node a = new Node("api-node-a", "zone-a", ports[0], ports[1]);
        Node b = new Node("api-node-b", "zone-b", ports[2], ports[3]);
        Node c = new Node("api-node-c", "zone-c", ports[4], ports[5]);
        List<Node> nodes = List.of(a, b, c);
        long t0 = System.nanoTime();
        a.process = apps.start(a.name, properties(a, nodes, true), Map.of());
        b.process = apps.start(b.name, properties(b, nodes, true), Map.of());
        // C: metadata from the environment only, named as the StatefulSet names it.
        c.process = apps.start(c.name, properties(c, nodes, false),
                Map.of("P2P_METADATA_ZONE", c.zone, "P2P_METADATA_VERSION", "0.1.0"));
        awaitReady(nodes);
        long tReady = System.nanoTime();

        for (Node n : nodes) {
            n.id = json(AppProcesses.get(n.http, "/node")).path("nodeid").asText();
        }
        JsonNode selfC = json(AppProcesses.get(c.http, "/members")).get(0);
        assertTrue(selfC.path("self").asBoolean(), selfC.toString());
        assertEquals(Map.of("zone", "zone-c", "version", "0.1.0"), strings(selfC.path("metadata")),
                "P2P_METADATA_ZONE and P2P_METADATA_VERSION set C's metadata: " + selfC);

        // Streams: members starts with a snapshot; messages is live once it says it subscribed.
        for (Node n : nodes) {
            n.members = open(n, "members", "/members/stream");
            n.messages = open(n, "messages", "/messages/stream?topic=" + TOPIC);
        }
        for (Node n : nodes) {
            SseClient.Event first = n.members.next(EVENT_DEADLINE);
            while (first != null && first.comment() != null) { // comments are no events (the stream opens with one)
                first = n.members.next(EVENT_DEADLINE);
            }
            if (first == null || !"snapshot".equals(first.name())) {
                fail(n.name + ": the members stream must start with a snapshot, got " + first
                        + (n.members.ended() ? " (the stream ended)" : "") + "\n  " + n.members.describeTaken());
            }
            apply(n.view, first);
            n.messages.await("': subscribed to " + TOPIC + "'", EVENT_DEADLINE,
                    e -> ("subscribed to " + TOPIC).equals(e.comment()));
        }

        // Each node's view: itself with its zone, the two others alive with theirs.
        for (Node n : nodes) {
            awaitView(n, "itself and the two others alive with their zones", view -> nodes.stream().allMatch(o -> {
                JsonNode m = view.get(o.id);
                return m != null && "alive".equals(m.path("state").asText()) && m.path("self").asBoolean() == (o == n)
                        && o.zone.equals(m.path("metadata").path("zone").asText());
            }));
        }
        long tMembers = System.nanoTime();

        // B's metadata set at run time: an `updated` event for B everywhere, its configured zone kept.
        HttpResponse<String> put = AppProcesses.send(b.http, "PUT", "/node/metadata", "{\"version\":\"2\"}");
        assertEquals(204, put.statusCode(), put.body());
        Map<String, String> bMetadata = Map.of("zone", "zone-b", "version", "2");
        for (Node n : nodes) {
            SseClient.Event e = n.members.await("updated for B with " + bMetadata, EVENT_DEADLINE,
                    ev -> "updated".equals(ev.name()) && b.id.equals(data(ev).path("nodeid").asText())
                            && bMetadata.equals(strings(data(ev).path("metadata"))));
            assertEquals(n == b, data(e).path("self").asBoolean(), n.name + ": " + e);
            assertEquals("alive", data(e).path("state").asText(), n.name + ": " + e);
        }
        long tUpdated = System.nanoTime();

        // A broadcast from A reaches each node once. Then one on another topic, then a marker: A's
        // messages arrive in A's order, so once the marker is in, neither a copy of the first nor the
        // other topic's message can still come.
        String token = UUID.randomUUID().toString();
        String firstId = broadcast(a, TOPIC, "{\"token\":\"" + token + "\",\"n\":1}");
        for (Node n : nodes) {
            SseClient.Event e = n.messages.await("the broadcast " + firstId, EVENT_DEADLINE, ev -> "message".equals(ev.name()));
            JsonNode m = data(e);
            assertEquals(firstId, e.id(), n.name + ": SSE id is the message id: " + e);
            assertEquals(firstId, m.path("id").asText(), n.name + ": " + e);
            assertEquals(a.id, m.path("origin").asText(), n.name + ": origin is A: " + e);
            assertEquals(TOPIC, m.path("topic").asText(), n.name + ": " + e);
            assertEquals(JSON.readTree("{\"token\":\"" + token + "\",\"n\":1}"), m.path("payload"), n.name + ": " + e);
            assertTrue(m.path("seq").asLong() >= 1, n.name + ": " + e);
            assertTrue(m.hasNonNull("sentAt") && m.hasNonNull("receivedAt"), n.name + ": " + e);
        }
        broadcast(a, "it-other", "{\"token\":\"" + token + "\",\"n\":2}");
        String markerId = broadcast(a, TOPIC, "{\"marker\":true}");
        for (Node n : nodes) {
            n.messages.await("the marker " + markerId, EVENT_DEADLINE, ev -> markerId.equals(ev.id()));
            List<SseClient.Event> messages = n.messages.takenEvents();
            List<String> ids = messages.stream().map(SseClient.Event::id).toList();
            assertEquals(List.of(firstId, markerId), ids, n.name + ": the first broadcast exactly once, then the marker, "
                    + "nothing of topic it-other:\n  " + n.messages.describeTaken());
        }
        long tBroadcast = System.nanoTime();

        // SIGTERM to C: it says bye, and A and B show it `left` (not suspect, not dead).
        c.process.destroy();
        assertTrue(c.process.waitFor(20, TimeUnit.SECONDS), "C did not exit within 20 s of SIGTERM\n" + log(c));
        for (Node n : List.of(a, b)) {
            SseClient.Event e = n.members.await("suspect, dead or left for C", EVENT_DEADLINE,
                    ev -> ev.name() != null && List.of("suspect", "dead", "left").contains(ev.name())
                            && c.id.equals(data(ev).path("nodeid").asText()));
            assertEquals("left", e.name(), n.name + ": C parted with a bye: " + e + "\n" + log(n));
            assertEquals("left", data(e).path("state").asText(), n.name + ": " + e);
        }
        long tLeft = System.nanoTime();

        for (Node n : nodes) {
            List<String> errors = AppProcesses.read(apps.log(n.name)).lines().filter(l -> l.contains(" ERROR ")).toList();
            assertEquals(List.of(), errors, n.name + " logged errors:\n" + log(n));
        }
        System.out.printf("three nodes: ready %d ms, members seen %d ms, metadata update %d ms, broadcasts %d ms,"
                        + " leave %d ms%n", millis(tReady - t0), millis(tMembers - tReady), millis(tUpdated - tMembers),
                millis(tBroadcast - tUpdated), millis(tLeft - tBroadcast));
    }

    // ---------------------------------------------------------------- helpers

    /** Loopback only, bootstrapping from the two others; zone as a system property unless from the env. */
    private static List<String> properties(Node n, List<Node> nodes, boolean zoneProperty) {
        List<String> bootstrap = nodes.stream().filter(o -> o != n).map(o -> "127.0.0.1:" + o.p2p).toList();
        List<String> props = new ArrayList<>(List.of(
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + n.http,
                "-Dp2p.host=127.0.0.1",
                "-Dp2p.port=" + n.p2p,
                "-Dp2p.bootstrap=" + String.join(",", bootstrap),
                "-Dp2p.api.writes=loopback"));
        if (zoneProperty) {
            props.add("-Dp2p.metadata.zone=" + n.zone);
        }
        return props;
    }

    private void awaitReady(List<Node> nodes) throws InterruptedException {
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        while (!nodes.stream().allMatch(n -> AppProcesses.isReady(n.http))) {
            for (Node n : nodes) {
                if (!n.process.isAlive()) {
                    fail(n.name + " exited with " + n.process.exitValue() + " before it was ready\n" + log(n));
                }
            }
            if (System.nanoTime() > deadline) {
                StringBuilder why = new StringBuilder("not all ready within " + READY_DEADLINE.toSeconds() + " s");
                for (Node n : nodes) {
                    why.append("\n").append(n.name).append(": ").append(AppProcesses.get(n.http, "/q/health/ready"))
                            .append("\n--- log\n").append(log(n));
                }
                fail(why.toString());
            }
            Thread.sleep(100); // polling interval of a deadline-bound wait
        }
    }

    private SseClient open(Node n, String what, String path) throws Exception {
        SseClient s = SseClient.open(SSE_HTTP, n.name + " " + what, URI.create("http://127.0.0.1:" + n.http + path),
                null, EVENT_DEADLINE);
        streams.add(s);
        return s;
    }

    /** Takes members events into {@code n.view} until {@code done} holds for it. */
    private static void awaitView(Node n, String what, Predicate<Map<String, JsonNode>> done) throws InterruptedException {
        if (!done.test(n.view)) {
            try {
                n.members.await(what, EVENT_DEADLINE, e -> {
                    apply(n.view, e);
                    return done.test(n.view);
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nview: " + n.view.values(), e);
            }
        }
    }

    /** A snapshot replaces the view; a member event replaces its member's record. */
    private static void apply(Map<String, JsonNode> view, SseClient.Event e) {
        if (e.comment() != null) {
            return;
        }
        JsonNode data = data(e);
        if ("snapshot".equals(e.name())) {
            view.clear();
            data.forEach(m -> view.put(m.path("nodeid").asText(), m));
        } else {
            view.put(data.path("nodeid").asText(), data);
        }
    }

    /** POST /broadcast on {@code n}: 202 and the message id. */
    private static String broadcast(Node n, String topic, String payload) throws IOException {
        HttpResponse<String> r = AppProcesses.send(n.http, "POST", "/broadcast",
                "{\"topic\":\"" + topic + "\",\"payload\":" + payload + "}");
        assertEquals(202, r.statusCode(), n.name + ": POST /broadcast answered " + r.body());
        String id = JSON.readTree(r.body()).path("id").asText();
        assertTrue(!id.isEmpty(), r.body());
        return id;
    }

    private static JsonNode data(SseClient.Event e) {
        try {
            return JSON.readTree(e.data());
        } catch (IOException ex) {
            throw new UncheckedIOException("event data is not JSON: " + e, ex);
        }
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> m = new LinkedHashMap<>();
        object.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().asText()));
        return m;
    }

    private static JsonNode json(String body) throws IOException {
        if (body == null) {
            fail("no HTTP answer");
        }
        return JSON.readTree(body);
    }

    private String log(Node n) {
        Path log = apps.log(n.name);
        return "--- " + log.getFileName() + "\n" + AppProcesses.read(log);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
