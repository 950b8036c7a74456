package io.peermesh.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, system property
 * {@code peermesh.jar}, set by failsafe) started as processes for the process-level tests, each
 * with its output in {@code target/it-logs/<name>.log}. {@link #close()} kills every process
 * started here that still runs, by its own {@link Process} handle; call it from {@code @AfterEach}.
 * Plus the small HTTP and port helpers those tests share. Used from the test thread only.
 */
final class AppProcesses implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Random RANDOM = new SecureRandom(); // two builds, two sequences

    final Path jar;
    final Path logDir;
    private final List<Process> processes = new ArrayList<>();

    AppProcesses() throws IOException {
        String property = System.getProperty("peermesh.jar");
        assertNotNull(property, "system property peermesh.jar (set by failsafe) is missing");
        jar = Path.of(property).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "no packaged application at " + jar + ": run ./mvnw verify");
        logDir = Files.createDirectories(jar.getParent().getParent().resolve("it-logs")); // target/it-logs
    }

    /**
     * Starts {@code java <systemProperties> -jar quarkus-run.jar} in the jar's directory, with
     * {@code env} added to this JVM's environment; stdout and stderr go to {@link #log(String)}.
     */
    Process start(String name, List<String> systemProperties, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(systemProperties);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(jar.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log(name).toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    Path log(String name) {
        return logDir.resolve(name + ".log");
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        processes.clear();
    }

    /**
     * Distinct loopback ports free at the time of the call (all held open together, then released),
     * chosen below the kernel's ephemeral range. A port from {@code new ServerSocket(0)} is an
     * ephemeral one, and any outgoing connection on the machine (a node's dial, another build) may
     * take it as its local port before the process we start binds it: a full verify on a loaded
     * machine failed so ("Port 37159 seems to be in use", TwoNodeProcessIT). Below the range, only
     * a process that asks for that very port can take it.
     */
    static int[] freePorts(int n) throws IOException {
        int low = ephemeralLow();
        int base = 10_000;
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0, tries = 0; i < n; tries++) {
                if (tries > 10_000) {
                    throw new IOException("no free port in " + base + "-" + (low - 1));
                }
                int candidate = base + RANDOM.nextInt(low - base);
                try {
                    ServerSocket s = new ServerSocket(candidate, 50, InetAddress.getByName("127.0.0.1"));
                    sockets.add(s);
                    ports[i++] = candidate;
                } catch (IOException taken) {
                    // someone listens there: try another
                }
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    /** The first port of the kernel's ephemeral range (Linux: net.ipv4.ip_local_port_range), else 32768. */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 11_000 ? low : 32_768; // a range reaching down there: stay under the default one
        } catch (IOException | RuntimeException e) {
            return 32_768; // the Linux default; IANA's dynamic range starts higher still (49152)
        }
    }

    static boolean isReady(int httpPort) {
        String body = get(httpPort, "/q/health/ready");
        try {
            return body != null && "UP".equals(JSON.readTree(body).path("status").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /** The body of a GET, whatever its status; null when the server does not answer (yet). */
    static String get(int httpPort, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A request with a JSON body; its response (the test fails if the server does not answer). */
    static HttpResponse<String> send(int httpPort, String method, String path, String json) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " on port " + httpPort + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }
}
