package io.peermesh.node;

import io.peermesh.node.config.PeerTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway certificate authority made at test time with the same {@code openssl} commands as
 * the README: an EC P-256 CA, and node certificates it signs (serverAuth + clientAuth). Nothing
 * is committed; every file lives in the directory the test gives (a JUnit {@code @TempDir}).
 *
 * <p>Without openssl the calling test is skipped, unless {@code CI=true} (then it fails: CI must
 * install it, see {@code .ci/run}).
 */
public final class TestCa {

    /** A certificate and its private key, as PEM files. */
    public record Issued(Path cert, Path key) {
    }

    public final Path dir;
    public final Path caCert;
    private final Path caKey;

    private TestCa(Path dir, Path caCert, Path caKey) {
        this.dir = dir;
        this.caCert = caCert;
        this.caKey = caKey;
    }

    /** Makes a CA named {@code CN=<name>} in {@code dir}/{@code name}/. */
    public static TestCa create(Path dir, String name) {
        requireOpenssl();
        try {
            Path home = Files.createDirectories(dir.resolve(name));
            Path cert = home.resolve("ca.crt");
            Path key = home.resolve("ca.key");
            openssl(home, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "30", "-keyout", key.toString(), "-out", cert.toString(), "-subj", "/CN=" + name,
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            return new TestCa(home, cert, key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A node certificate {@code CN=<name>} signed by this CA, valid for TLS server and client use. */
    public Issued issue(String name) {
        try {
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            Path csr = dir.resolve(name + ".csr");
            Path ext = dir.resolve(name + ".ext");
            Files.writeString(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    + "extendedKeyUsage=serverAuth,clientAuth\n");
            openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
            openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                    "-CAcreateserial", "-days", "30", "-extfile", ext.toString(), "-out", cert.toString());
            return new Issued(cert, key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The core's TLS setting for a node holding {@code issued} and trusting this CA. */
    public PeerTls tls(Issued issued) {
        return PeerTls.pem(issued.cert().toString(), issued.key().toString(), caCert.toString());
    }

    /** The PEM text of this CA's private key: what must never show up in an endpoint. */
    public String caKeyPem() {
        try {
            return Files.readString(caKey);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * For {@code @EnabledIf} on tests that make certificates before any test method runs (a Quarkus
     * test profile): run them when openssl is there, and on CI always (where they fail without it).
     */
    public static boolean tlsTestsEnabled() {
        return opensslAvailable() || "true".equals(System.getenv("CI"));
    }

    /** Skips the calling test without openssl; fails it on CI, which must have it. */
    public static void requireOpenssl() {
        if (!opensslAvailable()) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("openssl is needed to make test certificates: install it (Debian: apt-get install openssl)");
            }
            Assumptions.abort("openssl not on PATH: TLS tests skipped");
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl timed out: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("openssl failed (" + p.exitValue() + "): " + command + "\n" + output);
        }
    }
}
