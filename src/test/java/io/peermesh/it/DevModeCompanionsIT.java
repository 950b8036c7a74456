package io.peermesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mvnw quarkus:dev} for real (issue #14): the dev-mode companions make the node ready with
 * two peers, and a live reload stops them (their ports refuse connections) and starts new ones.
 * Runs on a copy of the project (pom, wrapper, src/main) under target/devmode-it, so its compile
 * never touches this build's target/; free ports only (HTTP and peer port 0, no debug port).
 * {@code QuarkusDevModeTest} would be lighter, but its artifact (quarkus-junit-internal) is not on
 * the Maven Central reachable here. Every process it starts is ended by its handle in {@code @AfterEach}.
 */
class DevModeCompanionsIT {

    private static final Duration START_DEADLINE = Duration.ofSeconds(420); // a cold compile on a loaded 2-core machine
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:/]+:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Process dev;

    @AfterEach
    void stop() throws InterruptedException {
        if (dev != null) {
            List<ProcessHandle> all = new ArrayList<>(dev.descendants().toList());
            all.add(dev.toHandle());
            all.forEach(ProcessHandle::destroy);
            for (ProcessHandle h : all) {
                h.onExit().completeOnTimeout(h, 20, java.util.concurrent.TimeUnit.SECONDS).join();
                h.destroyForcibly();
            }
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void await(Duration deadline, Supplier<Boolean> condition, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (Boolean.TRUE.equals(condition.get())) {
                return;
            }
            Thread.sleep(200);
        }
        fail("within " + deadline.toSeconds() + " s: " + what.get());
    }

    private static JsonNode get(int port, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()); // a reload answers late
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Set<Integer> peerPorts(int http) {
        JsonNode peers = get(http, "/peers");
        Set<Integer> ports = new TreeSet<>();
        if (peers != null && peers.isArray()) {
            for (JsonNode p : peers) {
                String listen = p.path("listenAddress").asText("");
                ports.add(Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)));
            }
        }
        return ports;
    }

    @Test
    void companionsMakeTheNodeReadyAndAReloadLeavesNoPortOpen() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path copy = root.resolve("target/devmode-it/project");
        if (Files.exists(copy.resolve("src"))) {
            try (Stream<Path> old = Files.walk(copy.resolve("src"))) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        copy(root.resolve("src/main"), copy.resolve("src/main"));
        copy(root.resolve(".mvn"), copy.resolve(".mvn"));
        Files.copy(root.resolve("pom.xml"), copy.resolve("pom.xml"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(root.resolve("mvnw"), copy.resolve("mvnw"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        Path log = root.resolve("target/it-logs/devmode.log");
        Files.createDirectories(log.getParent());
        dev = new ProcessBuilder(copy.resolve("mvnw").toString(), "-B", "quarkus:dev", "-Dquarkus.http.port=0",
                "-Dquarkus.http.host=127.0.0.1", "-Dp2p.host=127.0.0.1", "-Dp2p.port=0", "-Ddebug=false",
                "-Dquarkus.analytics.disabled=true", "-Dquarkus.console.enabled=false", "-Dp2p.rtt-warmup=0")
                .directory(copy.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();

        int[] http = {-1};
        await(START_DEADLINE, () -> {
            try {
                Matcher m = LISTENING.matcher(Files.readString(log));
                if (m.find()) {
                    http[0] = Integer.parseInt(m.group(1));
                }
            } catch (IOException e) {
                // not written yet
            }
            return http[0] > 0 || !dev.isAlive();
        }, () -> "quarkus:dev listening; see " + log);
        assertTrue(dev.isAlive(), "quarkus:dev exited; see " + log);
        int port = http[0];
        await(DEADLINE, () -> peerPorts(port).size() == 2 && get(port, "/q/health/ready").path("status").asText().equals("UP"),
                () -> "ready with two peers; /peers " + get(port, "/peers"));
        Set<Integer> before = peerPorts(port);

        // A live reload: change a source, then ask (dev mode reloads on the next request).
        Path source = copy.resolve("src/main/java/io/peermesh/api/PageRoutes.java");
        Files.writeString(source, Files.readString(source) + "\n// reload\n");
        await(DEADLINE, () -> {
            Set<Integer> now = peerPorts(port);
            return now.size() == 2 && !now.equals(before);
        }, () -> "two new companions after the reload; /peers " + get(port, "/peers") + "; see " + log);
        assertTrue(Files.readString(log).contains("Live reload"), "no reload in " + log);
        Set<Integer> after = peerPorts(port);
        assertNotEquals(before, after);
        for (int old : before) {
            assertThrows(ConnectException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", old), 2_000);
                }
            }, "companion port " + old + " still open after the reload");
        }
        assertEquals("UP", get(port, "/q/health/ready").path("status").asText());
    }
}
