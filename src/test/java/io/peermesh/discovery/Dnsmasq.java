package io.peermesh.discovery;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real dnsmasq on 127.0.0.1 serving one zone from a hosts directory, the way a headless Service
 * name is served: one name, one A record per pod. Records change by rewriting the hosts file
 * (written aside, then moved in, so dnsmasq never reads half a file). Every other name is answered
 * NXDOMAIN, as a cluster DNS does.
 */
final class Dnsmasq implements AutoCloseable {

    final int port;
    private final Path dir;
    private final Path hosts;
    private final Process process;

    private Dnsmasq(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.hosts = dir.resolve("hosts.d");
        this.process = process;
    }

    /** Starts dnsmasq, or skips the test where it is not installed (CI installs it and must not skip). */
    static Dnsmasq start() throws IOException, InterruptedException {
        Path binary = Path.of("/usr/sbin/dnsmasq");
        if (!Files.isExecutable(binary)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("dnsmasq is missing: .ci/run must install dnsmasq-base");
            }
            Assumptions.abort("dnsmasq not installed (apt-get install dnsmasq-base)");
        }
        Path dir = Files.createTempDirectory("peermesh-dnsmasq");
        Files.createDirectories(dir.resolve("hosts.d"));
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Process p = new ProcessBuilder(binary.toString(), "--keep-in-foreground", "--port=" + port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--local=/#/", "--local-ttl=0", "--hostsdir=" + dir.resolve("hosts.d"), "--user=root", "--group=root",
                "--pid-file=", "--log-facility=" + dir.resolve("dnsmasq.log"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Dnsmasq d = new Dnsmasq(dir, port, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(dir.resolve("dnsmasq.log").toFile().exists() ? dir.resolve("dnsmasq.log")
                : dir.resolve("stdout.log")).contains("started")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                d.close();
                throw new AssertionError("dnsmasq did not start: " + Files.readString(dir.resolve("stdout.log")));
            }
            Thread.sleep(20);
        }
        return d;
    }

    /** Serves exactly these IPs for {@code name}. */
    void records(String name, List<String> ips) throws IOException {
        StringBuilder b = new StringBuilder();
        ips.forEach(ip -> b.append(ip).append(' ').append(name).append('\n'));
        Path aside = dir.resolve("hosts.tmp");
        Files.writeString(aside, b.toString(), StandardCharsets.US_ASCII);
        Files.move(aside, hosts.resolve("peers"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Stops the server (the DNS outage scenario); idempotent. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
