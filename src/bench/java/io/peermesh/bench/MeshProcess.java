package io.peermesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A peermesh node as the README runs it ({@code java -XX:SharedArchiveFile=app-cds.jsa -XX:+UseSerialGC
 * -XX:TieredStopAtLevel=1 -Xmn8m -XX:ArchiveRelocationMode=0 ... -Dp2p.* -jar quarkus-run.jar} in target/quarkus-app, {@link StartBench#DEPLOYED_FLAGS},
 * {@link StartBench#nodeProperties}); its view is what {@code GET /peers} lists plus its own
 * {@code nodeid} from {@code GET /node}, asked for when the bench polls (every 100 ms while it waits
 * for a view, never during the idle-CPU window). Joined means {@code /q/health/ready} UP, polled every
 * 10 ms as {@link StartBench} does. Stopped with SIGTERM: the node says bye to its peers.
 */
final class MeshProcess extends ProcMember {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final HttpClient http;
    private final int httpPort;
    private volatile String self;

    MeshProcess(String name, Path jar, int p2pPort, int seedPort, HttpClient http, Path log) throws IOException {
        super(name);
        this.http = http;
        this.httpPort = StartBench.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(StartBench.DEPLOYED_FLAGS);
        cmd.addAll(StartBench.nodeProperties("127.0.0.1:" + seedPort, p2pPort, httpPort));
        cmd.addAll(List.of("-jar", jar.getFileName().toString()));
        process = new ProcessBuilder(cmd).directory(jar.toAbsolutePath().getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofMillis(1000)).GET().build();
    }

    @Override
    Process process() {
        return process;
    }

    @Override
    String id() {
        return self;
    }

    @Override
    Joined awaitJoined(Duration bound) throws InterruptedException {
        HttpRequest ready = get("/q/health/ready");
        long deadline = launchedNanos + bound.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    long at = System.nanoTime();
                    return new Joined((at - launchedNanos) / 1e9, cpuSeconds());
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(10);
        }
        return null;
    }

    @Override
    void awaitUp(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (self == null) {
            try {
                node();
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException(name + " not answering /node within " + bound, e);
                }
                Thread.sleep(20);
            }
        }
    }

    private void node() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(get("/node"), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("/node answered " + r.statusCode());
        }
        self = JSON.readTree(r.body()).get("nodeid").asText();
    }

    @Override
    CompletableFuture<Void> refresh() {
        if (self == null) {
            try {
                node();
            } catch (IOException e) {
                return CompletableFuture.completedFuture(null); // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return CompletableFuture.completedFuture(null);
            }
        }
        return http.sendAsync(get("/peers"), HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
            if (e == null && r.statusCode() == 200) {
                try {
                    List<String> ids = new ArrayList<>(List.of(self));
                    for (JsonNode p : JSON.readTree(r.body())) {
                        ids.add(p.get("nodeid").asText());
                    }
                    see(ids, System.currentTimeMillis());
                } catch (IOException ex) {
                    // a malformed answer: keep the last view
                }
            }
            return null;
        });
    }

    @Override
    void requestStop() {
        process.destroy(); // SIGTERM
    }
}
