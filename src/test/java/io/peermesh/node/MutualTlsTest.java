package io.peermesh.node;

import io.peermesh.node.config.PeerTls;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.NodeView;
import io.peermesh.node.view.PeerView;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.ProtocolError;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutual TLS on the peer port, core nodes on loopback with certificates from a throwaway mesh CA
 * (and a rogue one) made by openssl at test time: TLS nodes mesh and ping; plain text, a TLS client
 * without a certificate and a node with a certificate from another CA are refused before any hello,
 * counted and logged, both when they dial and when they are dialled; a legitimate peer stays
 * connected throughout.
 */
class MutualTlsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private static TestCa mesh;
    private static TestCa rogue;

    private final TestNodes nodes = new TestNodes();
    private final List<String> tlsLog = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord r) {
            tlsLog.add(String.valueOf(r.getMessage()));
        }
        @Override public void flush() { }
        @Override public void close() { }
    };

    @BeforeAll
    static void makeCas() {
        mesh = TestCa.create(dir, "mesh-ca");
        rogue = TestCa.create(dir, "rogue-ca");
    }

    @BeforeEach
    void captureTlsLog() {
        Logger.getLogger(PeerConnection.class.getName()).addHandler(capture);
    }

    @AfterEach
    void closeAll() {
        Logger.getLogger(PeerConnection.class.getName()).removeHandler(capture);
        nodes.close();
    }

    private PeerNode start(PeerTls tls, NodeObserver observer, HostPort... bootstrap) {
        return nodes.start(TestNodes.fast().tls(tls).bootstrap(List.of(bootstrap)).build(), NodeClock.SYSTEM, observer);
    }

    @Test
    void twoNodesWithCertificatesFromTheMeshCaHandshakeAndPing() {
        CountingObserver seenB = new CountingObserver();
        PeerNode a = start(mesh.tls(mesh.issue("node-a")), NodeObserver.NONE);
        PeerNode b = start(mesh.tls(mesh.issue("node-b")), seenB, a.advertised());

        await(DEADLINE, () -> a.peerCount() == 1 && b.peerCount() == 1, () -> "a " + a.readiness() + ", b " + b.readiness());
        await(DEADLINE, () -> seenB.count("rtt") >= 1, () -> "no pong over TLS: " + seenB);
        PeerView peer = get(b.peers()).get(0);
        assertEquals(a.nodeId(), peer.nodeid());
        assertNotNull(peer.lastRttMillis(), peer.toString());
        assertEquals(0, seenB.count(ProtocolError.TLS_HANDSHAKE_FAILED), seenB.toString());

        NodeView view = a.view();
        assertTrue(view.tls());
        PeerTls.Info info = view.tlsCertificate();
        assertEquals("CN=node-a", info.subject());
        assertEquals("CN=mesh-ca", info.issuer());
        assertTrue(Instant.parse(info.notAfter()).isAfter(Instant.now()), info.notAfter());
        assertEquals(List.of("CN=mesh-ca"), info.trustedCas());
        assertFalse(a.nodeConfig().toString().contains(dir.toString()), "no file paths in the config's toString");
    }

    @Test
    void anUnreadableKeyOrCaFailsTheStartSayingWhich() {
        TestCa.Issued issued = mesh.issue("node-c");
        Throwable noKey = Eventually.getFailure(PeerNode.deploy(nodes.vertx, TestNodes.fast()
                .tls(PeerTls.pem(issued.cert().toString(), dir.resolve("missing.key").toString(), mesh.caCert.toString()))
                .build(), NodeClock.SYSTEM, NodeObserver.NONE));
        assertTrue(noKey.getMessage().startsWith("cannot load this node's TLS certificate and key"), noKey.toString());
        Throwable noCa = Eventually.getFailure(PeerNode.deploy(nodes.vertx, TestNodes.fast()
                .tls(PeerTls.pem(issued.cert().toString(), issued.key().toString(), dir.resolve("missing.crt").toString()))
                .build(), NodeClock.SYSTEM, NodeObserver.NONE));
        assertTrue(noCa.getMessage().startsWith("cannot load the mesh CA"), noCa.toString());
    }

    @Test
    void withoutTlsTheViewSaysSo() {
        PeerNode plain = nodes.start(TestNodes.fast().build());
        assertFalse(plain.view().tls());
        assertEquals(null, plain.view().tlsCertificate());
    }

    @Test
    void plainTextNoCertificateAndRogueCertificatesAreRefusedWhileALegitPeerStaysConnected() throws Exception {
        CountingObserver seenA = new CountingObserver();
        PeerNode a = start(mesh.tls(mesh.issue("legit-a")), seenA);
        PeerNode b = start(mesh.tls(mesh.issue("legit-b")), NodeObserver.NONE, a.advertised());
        await(DEADLINE, () -> a.peerCount() == 1 && b.peerCount() == 1, () -> "legit pair: " + a.readiness());
        PeerView legit = get(a.peers()).get(0);
        int hellosBefore = seenA.count("received:" + MsgType.HELLO);

        // 1. Plain text: closed without an answer, counted, one log line naming the remote address.
        try (FakePeer plain = new FakePeer(a.port())) {
            plain.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + plain.nodeId + "\"}");
            assertTrue(plain.closedByNode(), "a TLS node must close a plain-text connection");
        }
        await(DEADLINE, () -> seenA.count(ProtocolError.TLS_HANDSHAKE_FAILED) == 1, seenA::toString);
        assertEquals(1, seenA.count(HandshakeResult.REFUSED), seenA.toString());
        await(DEADLINE, () -> tlsLog.size() == 1, tlsLog::toString);
        String line = tlsLog.get(0);
        assertTrue(line.startsWith("refused inbound connection from 127.0.0.1:"), line);
        assertTrue(line.contains("TLS handshake failed (plain-text or untrusted peer)"), line);
        assertTrue(line.contains("not TLS (a plain-text peer)"), line);
        assertFalse(line.contains("msgtype"), "nothing the peer sent is logged: " + line);

        // A second one within the quiet period is counted but not logged again.
        try (FakePeer plain = new FakePeer(a.port())) {
            plain.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + plain.nodeId + "\"}");
            assertTrue(plain.closedByNode());
        }
        await(DEADLINE, () -> seenA.count(ProtocolError.TLS_HANDSHAKE_FAILED) == 2, seenA::toString);
        assertEquals(1, tlsLog.size(), "rate limited: " + tlsLog);

        // 2. TLS, trusting the mesh CA, but without a client certificate: the hello it sends is never read.
        try (SSLSocket socket = tlsClientWithoutCertificate(a.port())) {
            boolean refused;
            try {
                socket.getOutputStream().write("{\"msgtype\":\"hello\",\"nodeid\":\"1b4e28ba-2fa1-11d2-883f-0016d3cca427\"}\n"
                        .getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                refused = readsNothing(socket.getInputStream());
            } catch (IOException e) {
                // TLS 1.3: our side finished the handshake, the node checked the (missing) certificate
                // and closed before the hello could even be written: refused as well.
                refused = true;
            }
            assertTrue(refused, "no answer to a client without a certificate");
        }
        await(DEADLINE, () -> seenA.count(ProtocolError.TLS_HANDSHAKE_FAILED) == 3, seenA::toString);

        // 3. A node whose certificate comes from another CA (it even trusts the mesh CA) dials A...
        CountingObserver seenRogue = new CountingObserver();
        PeerTls rogueTls = new PeerTls(rogue.tls(rogue.issue("rogue")).keyCert(),
                new PemTrustOptions().addCertPath(mesh.caCert.toString()).addCertPath(rogue.caCert.toString()));
        PeerNode intruder = start(rogueTls, seenRogue, a.advertised());
        String rogueProblem = awaitProblem(intruder, a.advertised(), p -> p.contains("TLS"));
        assertTrue(rogueProblem.contains("the peer refused this node's certificate"), rogueProblem);
        await(DEADLINE, () -> seenRogue.count(ProtocolError.TLS_HANDSHAKE_FAILED) >= 1, seenRogue::toString);
        assertTrue(String.valueOf(intruder.readiness().problems()).contains("TLS"), intruder.readiness().toString());

        // ...and is dialled by A: A does not trust its certificate.
        a.connectTo(intruder.advertised());
        String aProblem = awaitProblem(a, intruder.advertised(), p -> p.startsWith("TLS handshake with"));
        assertEquals("TLS handshake with " + intruder.advertised() + " failed: certificate not trusted (not issued by the "
                + "mesh CA)", aProblem);

        // 4. A plain (non-TLS) node dialled by A.
        PeerNode plainNode = nodes.start(TestNodes.fast().build());
        a.connectTo(plainNode.advertised());
        String plainProblem = awaitProblem(a, plainNode.advertised(), p -> p.startsWith("TLS handshake with"));
        assertTrue(plainProblem.contains("plain-text") || plainProblem.contains("timed out"), plainProblem);

        // No refused connection got as far as a hello; the legit peer never noticed any of it.
        assertEquals(0, intruder.peerCount());
        assertEquals(0, plainNode.peerCount());
        assertEquals(hellosBefore, seenA.count("received:" + MsgType.HELLO), seenA.toString());
        assertEquals(List.of(legit.nodeid()), get(a.peers()).stream().map(PeerView::nodeid).toList());
        assertEquals(legit.connectedSince(), get(a.peers()).get(0).connectedSince(), "the legit connection was never replaced");
        assertEquals(1, b.peerCount());
        assertTrue(a.readiness().ready() && b.readiness().ready());
    }

    /** The problem A's dialer records for {@code address}, once it satisfies {@code done}. */
    private static String awaitProblem(PeerNode node, HostPort address, Predicate<String> done) {
        String[] seen = {null};
        await(DEADLINE, () -> {
            for (TargetStatus t : get(node.targets())) {
                if (t.address().equals(address.toString())) {
                    seen[0] = t.problem();
                    return t.problem() != null && done.test(t.problem());
                }
            }
            return false;
        }, () -> "targets of " + node.nodeId() + ": " + get(node.targets()));
        return seen[0];
    }

    private static SSLSocket tlsClientWithoutCertificate(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(mesh.caCert)) {
            trust.setCertificateEntry("mesh", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** True when the stream ends or fails (TLS alert) without one byte of application data. */
    private static boolean readsNothing(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SSLException e) {
            return true;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }
}
