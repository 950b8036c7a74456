package io.peermesh.bench;

import io.peermesh.wire.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Child process for convergence runs too large for one JVM's file descriptor limit: it holds a
 * share of the nodes. Commands on stdin, one per line:
 * {@code start <count> <n> <maxPeers> <boot|dns> <seed|-> <target>}, {@code addr <host:port>}
 * (another process's node, for the fake DNS answer), {@code counts}, {@code stop}, {@code exit}.
 * It prints {@code ready} after its warm-up, {@code up <host:port>} for each node listening,
 * {@code st <deployed> <ready> <full>} whenever those change (checked every 2 ms),
 * {@code counts c1,c2,...}, {@code stopped}.
 */
public final class MeshWorker {

    private static final Logger PEERMESH = Logger.getLogger("io.peermesh");

    private MeshWorker() {
    }

    public static void main(String[] args) throws Exception {
        PEERMESH.setLevel(Level.WARNING);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
                Integer.getInteger("bench.eventLoops", 2 * Runtime.getRuntime().availableProcessors()))
                .setBlockedThreadCheckInterval(10_000));
        LocalMesh mesh = new LocalMesh(vertx);
        mesh.warmUp(50);
        mesh.onUp = a -> say("up " + a);
        Thread status = new Thread(() -> {
            String last = "";
            while (true) {
                String now = "st " + mesh.deployed() + " " + mesh.ready() + " " + mesh.full() + " " + mesh.failures.get();
                if (!now.equals(last)) {
                    say(now);
                    last = now;
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "status");
        status.setDaemon(true);
        status.start();
        say("ready");
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuAtStart = os.getProcessCpuTime();
        String line;
        while ((line = stdin.readLine()) != null) {
            String[] w = line.trim().split(" ");
            switch (w[0]) {
                case "start" -> {
                    cpuAtStart = os.getProcessCpuTime();
                    mesh.start(Integer.parseInt(w[1]), Integer.parseInt(w[2]), Integer.parseInt(w[3]),
                        w[4].equals("dns"), w[5].equals("-") ? null : HostPort.parse(w[5]).orElseThrow(),
                        Integer.parseInt(w[6]));
                }
                case "addr" -> mesh.dnsAnswer.add(HostPort.parse(w[1]).orElseThrow());
                case "counts" -> say("counts " + mesh.counts().stream().map(String::valueOf).collect(Collectors.joining(",")));
                case "counters" -> say("counters " + mesh.counters.line() + " cpuNanos=" + (os.getProcessCpuTime() - cpuAtStart));
                case "stop" -> {
                    mesh.stop();
                    System.gc();
                    say("stopped");
                }
                case "exit" -> {
                    mesh.stop();
                    Loops.await(vertx.close(), Duration.ofSeconds(30));
                    System.exit(0);
                }
                default -> say("unknown " + line);
            }
        }
        System.exit(0);
    }

    private static synchronized void say(String s) {
        System.out.println(s);
        System.out.flush();
    }
}
