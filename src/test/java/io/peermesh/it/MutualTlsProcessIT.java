package io.peermesh.it;

import static io.peermesh.it.AppProcesses.JSON;
import static io.peermesh.it.AppProcesses.freePorts;
import static io.peermesh.it.AppProcesses.get;
import static io.peermesh.it.AppProcesses.isReady;
import static io.peermesh.it.AppProcesses.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.peermesh.node.TestCa;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged application configured for mutual TLS exactly as {@code k8s/overlays/mtls} does it:
 * the environment variables of its StatefulSet patch (QUARKUS_TLS_PEER_*, P2P_TLS_CONFIGURATION_NAME),
 * pointing at a directory laid out like the mounted Secret (tls.crt, tls.key, ca.crt). Two such
 * processes become ready through each other, so the variable names really reach the Quarkus TLS
 * configuration named {@code peer}.
 */
class MutualTlsProcessIT {

    private static final Path PATCH = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .resolve("k8s/overlays/mtls/statefulset-tls.yaml");
    private static final String MOUNT = "/etc/peermesh/tls/";
    private static final Duration READY_DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private AppProcesses apps;

    @BeforeEach
    void setUp() throws IOException {
        apps = new AppProcesses();
    }

    @AfterEach
    void killProcesses() throws InterruptedException {
        apps.close();
    }

    @Test
    void twoProcessesConfiguredLikeTheMtlsOverlayMeshOverTls() throws Exception {
        TestCa ca = TestCa.create(dir, "mesh-ca");
        Map<String, String> envA = overlayEnvironment(secretDir(ca, "node-a"));
        Map<String, String> envB = overlayEnvironment(secretDir(ca, "node-b"));
        assertEquals("peer", envA.get("P2P_TLS_CONFIGURATION_NAME"), envA.toString());

        int[] ports = freePorts(4);
        Path logA = apps.log("mtls-node-a");
        Path logB = apps.log("mtls-node-b");
        Process a = start("mtls-node-a", envA, ports[0], ports[1], ports[3]);
        Process b = start("mtls-node-b", envB, ports[2], ports[3], ports[1]);

        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        while (!(isReady(ports[0]) && isReady(ports[2]))) {
            for (Process p : List.of(a, b)) {
                if (!p.isAlive()) {
                    fail("a node exited with " + p.exitValue() + "\n--- A\n" + read(logA) + "\n--- B\n" + read(logB));
                }
            }
            if (System.nanoTime() > deadline) {
                fail("not ready over TLS within " + READY_DEADLINE.toSeconds() + " s\nA: " + get(ports[0], "/q/health/ready")
                        + "\nB: " + get(ports[2], "/q/health/ready") + "\n--- A\n" + read(logA) + "\n--- B\n" + read(logB));
            }
            Thread.sleep(100);
        }
        JsonNode nodeA = JSON.readTree(get(ports[0], "/node"));
        assertTrue(nodeA.path("tls").asBoolean(), nodeA.toString());
        assertEquals("CN=node-a", nodeA.path("tlsCertificate").path("subject").asText(), nodeA.toString());
        assertEquals("CN=mesh-ca", nodeA.path("tlsCertificate").path("issuer").asText(), nodeA.toString());
        String log = read(logA);
        assertTrue(log.contains("mutual TLS"), log);
        assertFalse(log.contains("PRIVATE KEY"), log);
    }

    /** A directory laid out like the Secret peermesh-tls: tls.crt, tls.key, ca.crt. */
    private static Path secretDir(TestCa ca, String node) throws IOException {
        TestCa.Issued issued = ca.issue(node);
        Path secret = Files.createDirectories(ca.dir.resolve(node + "-secret"));
        Files.copy(issued.cert(), secret.resolve("tls.crt"));
        Files.copy(issued.key(), secret.resolve("tls.key"));
        Files.copy(ca.caCert, secret.resolve("ca.crt"));
        return secret;
    }

    /** The env of the overlay's StatefulSet patch, with the Secret's mount path replaced by {@code secret}. */
    private static Map<String, String> overlayEnvironment(Path secret) throws IOException {
        JsonNode patch = new YAMLMapper().readTree(PATCH.toFile());
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : patch.at("/spec/template/spec/containers/0/env")) {
            String value = e.path("value").asText();
            env.put(e.path("name").asText(), value.startsWith(MOUNT) ? secret.resolve(value.substring(MOUNT.length())).toString()
                    : value);
        }
        assertFalse(env.isEmpty(), "no env in " + PATCH);
        return env;
    }

    private Process start(String name, Map<String, String> env, int httpPort, int p2pPort, int peerP2pPort)
            throws IOException {
        return apps.start(name, List.of("-Dquarkus.http.port=" + httpPort, "-Dp2p.host=127.0.0.1", "-Dp2p.port=" + p2pPort,
                "-Dp2p.bootstrap=127.0.0.1:" + peerP2pPort), env);
    }
}
