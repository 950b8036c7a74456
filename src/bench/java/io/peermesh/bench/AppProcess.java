package io.peermesh.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged app ({@code target/quarkus-app/quarkus-run.jar}) run as a child process on free
 * loopback ports, with the deployed JVM flags ({@link StartBench#DEPLOYED_FLAGS}) and the extra
 * {@code -D} settings a section needs; its log goes to a file. Closing it sends SIGTERM, then
 * SIGKILL if it hangs, to this process only.
 *
 * <p>Threading: start and close on the bench thread; {@link #post}/{@link #get} may be called from
 * any thread (the Vert.x client is thread-safe).
 */
final class AppProcess implements AutoCloseable {

    final Process process;
    final int httpPort;
    private final HttpClient http;

    private AppProcess(Process process, int httpPort, HttpClient http) {
        this.process = process;
        this.httpPort = httpPort;
        this.http = http;
    }

    /** Starts the app and waits until {@code GET /members} answers 200 (the node runs). */
    static AppProcess start(Path jar, List<String> settings, Path log, HttpClient http) throws Exception {
        Path appDir = jar.toAbsolutePath().getParent();
        int httpPort = StartBench.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(StartBench.DEPLOYED_FLAGS);
        cmd.addAll(List.of("-Dp2p.host=127.0.0.1", "-Dp2p.port=" + StartBench.freePort(), "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort));
        cmd.addAll(settings);
        cmd.addAll(List.of("-jar", jar.getFileName().toString()));
        Process p = new ProcessBuilder(cmd).directory(appDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        AppProcess app = new AppProcess(p, httpPort, http);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                if (Loops.await(app.get("/members"), Duration.ofSeconds(2)).statusCode() == 200) {
                    return app;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        app.close();
        throw new IllegalStateException("the app did not answer GET /members within 30 s (see " + log + ")");
    }

    record Answer(int statusCode, String body) {
    }

    Future<Answer> get(String path) {
        return http.request(HttpMethod.GET, httpPort, "127.0.0.1", path)
                .compose(req -> req.send().compose(AppProcess::answer));
    }

    /** POST /broadcast of {@code {"topic": topic, "payload": payloadJson}}; the answer's status. */
    Future<Integer> broadcast(String topic, String payloadJson) {
        Buffer body = Buffer.buffer("{\"topic\":\"" + topic + "\",\"payload\":" + payloadJson + "}");
        return http.request(HttpMethod.POST, httpPort, "127.0.0.1", "/broadcast")
                .compose(req -> req.putHeader("Content-Type", "application/json").send(body)
                        .compose(resp -> resp.body().map(b -> resp.statusCode())));
    }

    private static Future<Answer> answer(HttpClientResponse resp) {
        return resp.body().map(b -> new Answer(resp.statusCode(), b.toString()));
    }

    /** Resident set size from /proc, in bytes; -1 if unreadable. */
    long rssBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone
        }
        return -1;
    }

    /** The sum of the Prometheus samples of {@code name} whose labels contain {@code labelPart} ("" for any). */
    static double metric(String prometheusText, String name, String labelPart) {
        double sum = 0;
        boolean found = false;
        for (String l : prometheusText.split("\n")) {
            if (l.startsWith(name) && (l.length() == name.length() || l.charAt(name.length()) == '{' || l.charAt(name.length()) == ' ')
                    && l.contains(labelPart)) {
                sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    String metrics() {
        return Loops.await(get("/q/metrics"), Duration.ofSeconds(5)).body();
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy(); // SIGTERM: the node says bye and exits
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
