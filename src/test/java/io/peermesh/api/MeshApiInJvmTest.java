package io.peermesh.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.node.Eventually;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The in-JVM API (CDI events, Mutiny streams) and what a slow SSE client costs: it is cut off
 * with a last {@code overflow} event while a fast client beside it gets every message. Writes
 * from loopback only (the sidecar setting); publishing is not rate-limited here.
 */
@QuarkusTest
@TestProfile(MeshApiInJvmTest.Unlimited.class)
class MeshApiInJvmTest {

    public static class Unlimited implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("p2p.api.writes", "loopback",
                    "p2p.broadcast.publish-rate", "1000000",
                    "p2p.broadcast.publish-burst", "1000000");
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Messages the fast client may be behind the publisher: 16 x 8 KiB, far under a stream's 1 MiB. */
    private static final int WINDOW = 16;
    /** Enough to fill the kernel's buffers (send up to 4 MiB here, receive 4 KiB as set) and 1 MiB more, 4 times over. */
    private static final int MAX_MESSAGES = 3000;

    @TestHTTPResource("/")
    URL base;
    @Inject
    MeshEvents mesh;
    @Inject
    CdiProbe probe;
    @Inject
    MeterRegistry registry;
    @Inject
    Streams streams;

    @Test
    void cdiObserversAndMutinyStreamsGetSnapshotChangesAndMessages() throws Exception {
        BlockingQueue<MembershipEvent> multi = new LinkedBlockingQueue<>();
        BlockingQueue<MeshMessage> messages = new LinkedBlockingQueue<>();
        Cancellable members = mesh.membership().subscribe().with(multi::add);
        Cancellable topic = mesh.messages(CdiProbe.TOPIC).subscribe().with(messages::add);
        try {
            MembershipEvent first = poll(multi, "the snapshot");
            assertEquals(MembershipEvent.Kind.SNAPSHOT, first.kind());
            assertTrue(first.members().get(0).self());
            String self = first.members().get(0).nodeid();

            mesh.setMetadata(Map.of("role", "cdi-test")).await().atMost(DEADLINE);
            MembershipEvent updated = poll(multi, "updated");
            assertEquals(MembershipEvent.Kind.UPDATED, updated.kind());
            assertEquals("cdi-test", updated.member().metadata().get("role"));
            MembershipEvent observed = pollUntil(probe.membership, "the CDI event of the update",
                    e -> updated.id().equals(e.id()));
            assertEquals(self, observed.member().nodeid());
            assertEquals("peermesh-cdi-events", probe.observerThread, "observers run on their own thread, not the node's");

            String id = mesh.broadcast(CdiProbe.TOPIC, "{\"k\":[1,2]}").await().atMost(DEADLINE);
            MeshMessage m = poll(messages, "the message on the Multi");
            assertEquals(id, m.id());
            assertEquals(self, m.origin());
            assertEquals("{\"k\":[1,2]}", m.payload());
            assertEquals(id, pollUntil(probe.messages, "the CDI message", x -> id.equals(x.id())).id());

            Throwable refused = mesh.broadcast("no spaces", "1").onItem().<Throwable>transform(x -> null)
                    .onFailure().recoverWithItem(t -> t).await().atMost(DEADLINE);
            MeshEvents.BroadcastRefused r = assertInstanceOf(MeshEvents.BroadcastRefused.class, refused);
            assertEquals(PublishResult.Reason.TOPIC, r.reason());
        } finally {
            members.cancel();
            topic.cancel();
        }
    }

    @Test
    void aClientThatStopsReadingIsCutOffWithAReasonWhileAFastOneGetsEverything() throws Exception {
        Counter cutoffs = registry.find("p2p.api.stream.cutoffs").tag("stream", "messages").counter();
        assertNotNull(cutoffs);
        double cutBefore = cutoffs.count();
        String payload = "\"" + "x".repeat(8 * 1024) + "\"";
        List<String> published = new ArrayList<>();
        try (SseClient fast = SseClient.open("fast", base.toURI().resolve("messages/stream?topic=load"), DEADLINE);
             Socket slow = new Socket()) {
            fast.awaitComment("subscribed to load", DEADLINE);
            slow.setReceiveBufferSize(4096); // before connect: a small window, so the node's side fills
            slow.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            slow.setSoTimeout((int) DEADLINE.toMillis());
            OutputStream out = slow.getOutputStream();
            out.write(("GET /messages/stream?topic=load HTTP/1.1\r\nHost: " + base.getHost()
                    + "\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = slow.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).contains("subscribed to load")) {
                int b = in.read();
                assertTrue(b >= 0, "the slow client's stream ended before it was subscribed: " + head);
                head.write(b);
            }
            // From here the slow client reads nothing; the fast one keeps within WINDOW of the publisher.
            int received = 0;
            for (int i = 0; i < MAX_MESSAGES && cutoffs.count() == cutBefore; i++) {
                published.add(mesh.broadcast("load", payload).await().atMost(DEADLINE));
                while (received < published.size() - WINDOW) {
                    assertEquals(published.get(received), fast.nextEvent("message " + received, DEADLINE).id());
                    received++;
                }
            }
            assertTrue(cutoffs.count() > cutBefore, "the slow client was not cut off after " + published.size()
                    + " messages of 8 KiB");
            System.out.println("slow client cut off after " + published.size() + " messages of 8 KiB");
            while (received < published.size()) {
                assertEquals(published.get(received), fast.nextEvent("message " + received, DEADLINE).id(), "fast client");
                received++;
            }

            // The slow client reads now: the messages it was sent, in order, then the reason, then the end.
            String body = dechunk(in);
            List<String> names = new ArrayList<>();
            Matcher ev = Pattern.compile("(?m)^event: ?(\\S+)$").matcher(body);
            while (ev.find()) {
                names.add(ev.group(1));
            }
            assertEquals("overflow", names.get(names.size() - 1), "the last event says why the stream ends");
            assertTrue(body.contains("slow_consumer"), "the overflow event's reason");
            List<String> ids = new ArrayList<>();
            Matcher id = Pattern.compile("(?m)^id: ?(\\S+)$").matcher(body);
            while (id.find()) {
                ids.add(id.group(1));
            }
            assertFalse(ids.isEmpty());
            assertEquals(published.subList(0, ids.size()), ids, "what reached the slow client came in order, with no gap");
            assertTrue(ids.size() < published.size(), "it was cut before the end");
        }
        given().get("/members").then().statusCode(200); // the node serves on
        // Both streams let go of: nothing held for them.
        Eventually.await(DEADLINE, () -> streams.openCount() == 0, () -> "open streams: " + streams.openCount());
    }

    /** The rest of an HTTP/1.1 chunked body, up to its last chunk or the connection's end. */
    private static String dechunk(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        // The headers ended before "subscribed"; what follows is the rest of that chunk, then chunks.
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        in.transferTo(raw); // to EOF: the node closes the connection after the overflow event
        byte[] b = raw.toByteArray();
        int p = 0;
        // Skip the remainder of the chunk that held the subscribed comment: up to its CRLF.
        int firstCrlf = indexOf(b, p);
        p = firstCrlf < 0 ? b.length : firstCrlf + 2;
        while (p < b.length) {
            int eol = indexOf(b, p);
            if (eol < 0) {
                break;
            }
            String sizeLine = new String(b, p, eol - p, StandardCharsets.US_ASCII).trim();
            if (sizeLine.isEmpty()) {
                p = eol + 2;
                continue;
            }
            int size = Integer.parseInt(sizeLine.split(";")[0], 16);
            p = eol + 2;
            if (size == 0) {
                break;
            }
            body.write(b, p, Math.min(size, b.length - p));
            p += size + 2;
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static <T> T poll(BlockingQueue<T> q, String what) throws InterruptedException {
        T t = q.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        if (t == null) {
            fail("nothing within " + DEADLINE + ": " + what);
        }
        return t;
    }

    private static <T> T pollUntil(BlockingQueue<T> q, String what, Predicate<T> match) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            T t = q.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (t == null) {
                fail("nothing matching within " + DEADLINE + ": " + what);
            }
            if (match.test(t)) {
                return t;
            }
        }
    }
}
