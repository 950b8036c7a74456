package io.peermesh.it;

import static io.peermesh.it.AppProcesses.JSON;
import static io.peermesh.it.AppProcesses.freePorts;
import static io.peermesh.it.AppProcesses.get;
import static io.peermesh.it.AppProcesses.isReady;
import static io.peermesh.it.AppProcesses.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, system property
 * {@code peermesh.jar}) as real processes on loopback: two nodes that bootstrap from each other
 * become ready, measure a round trip, and part with a bye on SIGTERM; a taken port fails the start.
 * Every process started here is killed in {@link #killProcesses()}, whatever the outcome
 * ({@link AppProcesses}).
 */
class TwoNodeProcessIT {

    private static final Duration READY_DEADLINE = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 100;

    private AppProcesses apps;

    @BeforeEach
    void setUp() throws IOException {
        apps = new AppProcesses();
    }

    @AfterEach
    void killProcesses() throws InterruptedException {
        apps.close();
    }

    // ---------------------------------------------------------------- tests

    @Test
    void twoNodesBootstrapFromEachOtherPingAndPartWithByeOnSigterm() throws Exception {
        int[] ports = freePorts(4);
        int httpA = ports[0], p2pA = ports[1], httpB = ports[2], p2pB = ports[3];
        Path logA = apps.log("node-a");
        Path logB = apps.log("node-b");

        long startA = System.nanoTime();
        Process a = start("node-a", httpA, p2pA, "127.0.0.1:" + p2pB);
        long startB = System.nanoTime();
        Process b = start("node-b", httpB, p2pB, "127.0.0.1:" + p2pA);

        // Poll both: whichever gets ready first does not hide the other's time.
        long readyA = -1, readyB = -1;
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        while (readyA < 0 || readyB < 0) {
            assertAlive(a, logA);
            assertAlive(b, logB);
            if (readyA < 0 && isReady(httpA)) {
                readyA = System.nanoTime();
            }
            if (readyB < 0 && isReady(httpB)) {
                readyB = System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                fail("not ready within " + READY_DEADLINE.toSeconds() + " s: A " + (readyA >= 0) + ", B " + (readyB >= 0)
                        + "\nA ready: " + get(httpA, "/q/health/ready") + "\nB ready: " + get(httpB, "/q/health/ready")
                        + "\n--- A log\n" + read(logA) + "\n--- B log\n" + read(logB));
            }
            pause();
        }
        System.out.printf("node A ready in %d ms%n", TimeUnit.NANOSECONDS.toMillis(readyA - startA));
        System.out.printf("node B ready in %d ms%n", TimeUnit.NANOSECONDS.toMillis(readyB - startB));

        String idA = json(get(httpA, "/node")).path("nodeid").asText();
        String idB = json(get(httpB, "/node")).path("nodeid").asText();
        assertEquals("127.0.0.1:" + p2pB, json(get(httpB, "/node")).path("listen").asText());

        // A lists B (exactly once: the simultaneous dials are resolved to one connection) and,
        // after a ping round (2 s by default), its round trip.
        JsonNode peerB = await("A lists B with an RTT", Duration.ofSeconds(20), () -> peerOf(httpA, idB),
                p -> p != null && p.hasNonNull("lastRttMillis"));
        assertEquals("127.0.0.1:" + p2pB, peerB.path("listenAddress").asText());
        assertTrue(peerB.path("lastRttMillis").asDouble() > 0, peerB.toString());
        assertTrue(peerB.hasNonNull("lastPong"), peerB.toString());
        System.out.printf("A -> B ping RTT: last %.3f ms, smoothed %.3f ms%n",
                peerB.path("lastRttMillis").asDouble(), peerB.path("smoothedRttMillis").asDouble());
        JsonNode peersOfA = json(get(httpA, "/peers"));
        assertEquals(1, peersOfA.size(), peersOfA.toString());
        assertNotNull(peerOf(httpB, idA), "B lists A");

        // SIGTERM to B: a graceful shutdown that says bye to A.
        b.destroy();
        assertTrue(b.waitFor(20, TimeUnit.SECONDS), "B did not exit within 20 s of SIGTERM\n" + read(logB));
        // Quarkus runs its shutdown (node close, bye, "stopped") in the JVM's shutdown hook; the JVM
        // then ends as any JVM ended by SIGTERM does: 128 + 15. Measured, not assumed: see the log checks.
        assertEquals(143, b.exitValue(), "B's exit code after SIGTERM\n" + read(logB));

        long byeDeadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        JsonNode peersAfter = json(get(httpA, "/peers"));
        while (peersAfter.size() > 0) {
            if (System.nanoTime() > byeDeadline) {
                fail("A still lists peers 5 s after B stopped: " + peersAfter + "\n--- A log\n" + read(logA));
            }
            pause();
            peersAfter = json(get(httpA, "/peers"));
        }

        String bLog = read(logB);
        List<String> errors = bLog.lines().filter(l -> l.contains(" ERROR ")).toList();
        assertEquals(List.of(), errors, "B logged errors:\n" + bLog);
        assertTrue(bLog.contains("peer " + idA + " connected"), "B's log does not show A connecting:\n" + bLog);
        assertTrue(bLog.contains("node " + idB + " stopped"), "B's node did not stop cleanly:\n" + bLog);
        assertTrue(bLog.contains("peermesh stopped in"), "Quarkus did not shut B down gracefully:\n" + bLog);

        String aLog = await("A logs the bye", Duration.ofSeconds(5), () -> read(logA),
                l -> l.contains("peer " + idB + " said bye"));
        assertTrue(aLog.contains("peer " + idB + " connected"), aLog);
        assertTrue(a.isAlive(), "A must keep running when B leaves");
        assertTrue(aLog.lines().noneMatch(l -> l.contains(" ERROR ")), "A logged errors:\n" + aLog);
    }

    @Test
    void aTakenPeerPortFailsTheStartNamingTheKeyAndThePort() throws Exception {
        try (ServerSocket holder = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int taken = holder.getLocalPort();
            int http = freePorts(1)[0];
            Path log = apps.log("port-in-use");
            Process p = start("port-in-use", http, taken, null);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the start did not fail within 60 s\n" + read(log));
            String output = read(log);
            assertNotEquals(0, p.exitValue(), output);
            assertTrue(output.contains("p2p.port"), output);
            assertTrue(output.contains(String.valueOf(taken)), output);
            assertFalse(output.contains("Listening on: http"), "HTTP must not come up when the peer port is taken\n" + output);
            System.out.printf("port in use: exit code %d%n", p.exitValue());
        }
    }

    // ---------------------------------------------------------------- helpers

    private Process start(String name, int httpPort, int p2pPort, String bootstrap) throws IOException {
        List<String> properties = new ArrayList<>(List.of(
                "-Dquarkus.http.port=" + httpPort,
                "-Dp2p.host=127.0.0.1",
                "-Dp2p.port=" + p2pPort));
        if (bootstrap != null) {
            properties.add("-Dp2p.bootstrap=" + bootstrap);
        }
        return apps.start(name, properties, Map.of());
    }

    private static JsonNode json(String body) throws IOException {
        assertNotNull(body, "no HTTP answer");
        return JSON.readTree(body);
    }

    private static JsonNode peerOf(int httpPort, String nodeId) {
        String body = get(httpPort, "/peers");
        if (body == null) {
            return null;
        }
        try {
            for (JsonNode p : JSON.readTree(body)) {
                if (nodeId.equals(p.path("nodeid").asText())) {
                    return p;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static void assertAlive(Process p, Path log) {
        if (!p.isAlive()) {
            fail("process exited with " + p.exitValue() + " before it was ready\n" + read(log));
        }
    }

    @FunctionalInterface
    private interface Probe<T> {
        T get() throws Exception;
    }

    private static <T> T await(String what, Duration timeout, Probe<T> probe, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; last seen: " + last);
            }
            pause();
            last = probe.get();
        }
        return last;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
