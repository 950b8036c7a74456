package io.peermesh.node;

import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.events.AddrDrop;
import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.ProtocolError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.peermesh.node.Eventually.await;
import static io.peermesh.node.Eventually.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node under attack from hostile clients on loopback while legitimate peers stay connected: a
 * core {@link PeerNode} bootstrapped to it, and a measuring raw client that handshakes and pings it
 * ten times a second throughout, timing the pongs.
 *
 * <p>Each attack is bounded in count and time. After each one: the attack's outcome is what the
 * limits promise (counted by the node's observer), every attacking connection is gone from the
 * node, the node still answers pings (a ping sent after the attack gets its pong), both legitimate
 * peers are still connected on their original connections, and used heap after a GC stays within
 * {@value #HEAP_BOUND_MB} MB of the baseline. No assertion is about speed: deadlines are generous
 * ({@value #DEADLINE_SECONDS} s per wait) and the RTTs are only reported, in a table printed at
 * the end (also when the test fails), with the WARN lines each attack cost (the node logs a kind of
 * bad input once per 10 s, not once per connection).
 */
class HostileClientsTest {

    private static final int DEADLINE_SECONDS = 30;
    private static final Duration DEADLINE = Duration.ofSeconds(DEADLINE_SECONDS);
    private static final long HEAP_BOUND_MB = 64;
    private static final int MAX_INBOUND = 512;
    private static final int MAX_FRAME = 64 * 1024;
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(4);
    /** Keeps a strong reference while the test quiets the node's per-connection INFO lines. */
    private static final Logger PEERMESH_LOG = Logger.getLogger("io.peermesh");

    private final TestNodes nodes = new TestNodes();
    private final CountingObserver seen = new CountingObserver();
    private final RttObserver legitSeen = new RttObserver();
    private final List<Row> table = new ArrayList<>();
    private final Random random = new Random(20240601);
    private Level logLevelBefore;
    /** WARN and above logged by the node's classes: an attack must cost a few lines, not one per connection. */
    private final AtomicInteger logLines = new AtomicInteger();
    private final java.util.logging.Handler logCounter = new java.util.logging.Handler() {
        @Override public void publish(java.util.logging.LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                logLines.incrementAndGet();
            }
        }
        @Override public void flush() { }
        @Override public void close() { }
    };
    private PeerNode node;
    private PeerNode legit;
    private MeasuringClient client;
    private PeerView legitAtStart;
    private PeerView clientAtStart;
    private long baselineHeap;
    private final List<long[]> gcPauses = new CopyOnWriteArrayList<>(); // {from, to} nanos of this test's System.gc()
    private int baselineOpen;

    @BeforeEach
    void startNodeLegitimatePeerAndMeasuringClient() throws Exception {
        logLevelBefore = PEERMESH_LOG.getLevel();
        PEERMESH_LOG.setLevel(Level.WARNING);
        PEERMESH_LOG.addHandler(logCounter);
        // Realistic caps for one node; per IP as high as the total, since every client is 127.0.0.1.
        // Ping timeouts are generous: a loaded 2-core machine must not make a healthy peer time out.
        // No refusals of an address (ban-duration 0): every attacker here is 127.0.0.1, and once more
        // than a minute passes without a valid handshake from it, three offences would make every later
        // attack a refused connection; each attack's own outcome is what this test shows. The penalty
        // rule itself, on a shared address, is SharedAddressTest's.
        LimitsConfig limits = LimitsConfig.DEFAULTS.withInbound(MAX_INBOUND, MAX_INBOUND).withPendingHandshakes(MAX_INBOUND)
                .withBanDuration(Duration.ZERO);
        // No periodic getaddr (the safety net, every 30 s or so): on a loaded machine the test runs
        // long enough for the legit peer's answer to one to land among an attack's counted addr lines.
        node = nodes.start(TestNodes.fast().limits(limits).handshakeTimeout(HANDSHAKE_TIMEOUT)
                .discovery(DiscoveryConfig.DEFAULTS.withGetaddrInterval(Duration.ofHours(1)))
                .pingInterval(Duration.ofMillis(250)).pingTimeout(Duration.ofSeconds(20)).build(), NodeClock.SYSTEM, seen);
        legit = nodes.start(TestNodes.fast().bootstrap(List.of(node.advertised()))
                .pingInterval(Duration.ofMillis(250)).pingTimeout(Duration.ofSeconds(20)).build(), NodeClock.SYSTEM, legitSeen);
        await(DEADLINE, () -> node.peerCount() == 1 && legit.peerCount() == 1, () -> "legit peer connected");
        client = new MeasuringClient(node.port());
        await(DEADLINE, () -> node.peerCount() == 2, () -> "measuring client connected");
        legitAtStart = peerView(legit.nodeId());
        clientAtStart = peerView(client.nodeId);
        await(DEADLINE, () -> client.pongs.get() > 0, () -> "first pong to the measuring client");
        baselineOpen = node.openConnections();
        assertEquals(2, baselineOpen, "the legit peer and the measuring client");
        // What earlier tests in this JVM left behind can take a few collections to go (threads
        // ending, cleaners): the lowest of a few readings is the baseline.
        baselineHeap = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            baselineHeap = Math.min(baselineHeap, usedHeapAfterGc());
            Thread.sleep(100);
        }
    }

    @AfterEach
    void printTableAndCloseAll() throws Exception {
        try {
            printTable();
        } finally {
            try {
                if (client != null) {
                    client.close();
                }
                nodes.close();
            } finally {
                PEERMESH_LOG.removeHandler(logCounter);
                PEERMESH_LOG.setLevel(logLevelBefore);
            }
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theNodeServesItsLegitimatePeersThroughEveryAttack() throws Exception {
        int fdBudget = fileDescriptorBudget();
        // Every loopback connection costs two descriptors in this JVM (client and accepted socket).
        int held = Math.min(2000, fdBudget / 2);
        assertTrue(held > MAX_INBOUND + 100, "ulimit -n too low for this test: budget of " + fdBudget + " descriptors");

        attack("random bytes (20 conns x 4 KiB)", this::randomBytes);
        attack("10 MB line without newline", this::tenMegabyteLine);
        attack("nesting: 100k '[' / 60k '[' in frame", this::deepNesting);
        attack("1 MB digits as version / nonce", this::hugeNumbers);
        attack("60k digits as version / nonce", this::longNumbersWithinTheFrame);
        attack("invalid UTF-8 (5 kinds)", this::invalidUtf8);
        attack("hello flood: 5000 on one conn", this::helloFloodOnOneConnection);
        attack("hello flood: 2000 conns x hello", this::helloFloodOverConnections);
        attack("ping flood: 10000 pings", this::pingFlood);
        attack("ping burst: 1500 (within burst)", this::pingBurstWithinTheLimit);
        attack(held + " connections opened and held", () -> holdConnections(held));
        attack("slowloris: 8 x 1 byte/s", this::slowloris);
        attack("connect+RST storm: 3000", this::connectResetStorm);
        // Before the addr attacks: the addresses those teach keep the node's dial slots busy, and
        // these two need the node to dial at once.
        attack("hello with a just-dialled peer's id", this::spoofInsideTheCrossingWindow);
        attack("hello claiming the legit's listen", this::claimedListenAddress);
        attack("addr: 100,000 entries", this::hugeAddr);
        attack("addr: 3 x 880 entries in frame", this::addrWithinTheFrame);
        attack("hello with the legit peer's id", this::spoofedNodeId);

        // Afterwards: the same legitimate peers, on the same connections, and nobody lost.
        assertSameConnection(legitAtStart, peerView(legit.nodeId()), "legit peer");
        assertSameConnection(clientAtStart, peerView(client.nodeId), "measuring client");
        assertEquals(node.nodeId(), get(legit.peers()).get(0).nodeid(), "the legit peer still has the node");
        assertEquals(1, legit.peerCount(), "the legit peer lost nothing and gained no sybil");
        assertEquals(1, legitSeen.handshakes.get(), "the legit peer never had to reconnect");
        assertEquals(0, legitSeen.timeouts.get(), "the legit peer never timed out a ping");
        assertEquals(0, client.unanswered(Duration.ofSeconds(DEADLINE_SECONDS)), "measuring pings left unanswered");
        assertFalse(client.closed, "the measuring client's connection is open");
    }

    // ---------------------------------------------------------------- the attacks

    private String randomBytes() throws IOException {
        byte[] bytes = new byte[4096];
        List<FakePeer> fakes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            FakePeer fake = new FakePeer(node.port());
            fakes.add(fake);
            random.nextBytes(bytes);
            sendIgnoringReset(fake, bytes);
        }
        for (FakePeer fake : fakes) {
            assertTrue(fake.closedByNode(), "random bytes: closed by the node");
            fake.reset();
        }
        await(DEADLINE, () -> protocolErrors() == 20, seen::toString);
        return null;
    }

    private String tenMegabyteLine() throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            long sent = 0;
            try {
                for (int i = 0; i < 160; i++) { // 10 MiB
                    fake.sendRaw(chunk);
                    sent += chunk.length;
                }
            } catch (IOException closedUnderUs) {
                // expected: the node closes after max-frame-bytes
            }
            assertTrue(fake.closedByNode());
            await(DEADLINE, () -> delta(ProtocolError.FRAME_TOO_LARGE) == 1, seen::toString);
            fake.reset();
            return "client got " + (sent >> 10) + " KiB out before the close";
        }
    }

    private String deepNesting() throws IOException {
        expectClosed(("[".repeat(100_000) + "\n").getBytes(StandardCharsets.US_ASCII));
        expectClosed(("[".repeat(60_000) + "\n").getBytes(StandardCharsets.US_ASCII));
        await(DEADLINE, () -> delta(ProtocolError.FRAME_TOO_LARGE) == 1 && delta(ProtocolError.INVALID_JSON) == 1,
                seen::toString);
        return null;
    }

    private String hugeNumbers() throws IOException {
        String digits = "9".repeat(1024 * 1024);
        expectClosed(("{\"msgtype\":\"hello\",\"nodeid\":\"" + UUID.randomUUID() + "\",\"version\":" + digits + "}\n")
                .getBytes(StandardCharsets.US_ASCII));
        try (FakePeer fake = new FakePeer(node.port())) {
            assertHello(fake.handshake());
            sendIgnoringReset(fake, ("{\"msgtype\":\"ping\",\"nonce\":" + digits + "}\n").getBytes(StandardCharsets.US_ASCII));
            assertTrue(fake.closedByNode());
            fake.reset();
        }
        await(DEADLINE, () -> delta(ProtocolError.FRAME_TOO_LARGE) == 2, seen::toString);
        return null;
    }

    private String longNumbersWithinTheFrame() throws IOException {
        String digits = "9".repeat(60_000);
        expectClosed(("{\"msgtype\":\"hello\",\"nodeid\":\"" + UUID.randomUUID() + "\",\"version\":" + digits + "}\n")
                .getBytes(StandardCharsets.US_ASCII));
        try (FakePeer fake = new FakePeer(node.port())) {
            assertHello(fake.handshake());
            sendIgnoringReset(fake, ("{\"msgtype\":\"ping\",\"nonce\":" + digits + "}\n").getBytes(StandardCharsets.US_ASCII));
            assertTrue(fake.closedByNode());
            fake.reset();
        }
        await(DEADLINE, () -> protocolErrors() == 2, seen::toString);
        return null;
    }

    private String invalidUtf8() throws IOException {
        byte[][] lines = {
            {'{', '"', 'm', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'},           // bad continuation
            {'{', '"', 'm', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}', '\n'},           // overlong '/'
            {'{', '"', 'm', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}', '\n'}, // surrogate
            {'{', '"', 'm', '"', ':', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', '}', '\n'}, // > U+10FFFF
            {(byte) 0xFF, (byte) 0xFE, '{', '}', '\n'},                                          // not UTF-8 at all
        };
        for (byte[] line : lines) {
            expectClosed(line);
        }
        await(DEADLINE, () -> delta(ProtocolError.INVALID_JSON) == lines.length, seen::toString);
        return null;
    }

    private String helloFloodOnOneConnection() throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            String hello = "{\"msgtype\":\"hello\",\"nodeid\":\"" + fake.nodeId + "\"}\n";
            sendIgnoringReset(fake, hello.repeat(5000).getBytes(StandardCharsets.US_ASCII));
            assertTrue(fake.closedByNode());
            fake.reset();
        }
        await(DEADLINE, () -> delta(Limit.MESSAGE_RATE) == 1, seen::toString);
        return null;
    }

    private String helloFloodOverConnections() throws IOException {
        int total = 2000;
        int batch = 100;
        AtomicInteger answered = new AtomicInteger();
        for (int done = 0; done < total; done += batch) {
            List<FakePeer> fakes = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                FakePeer fake = new FakePeer(node.port());
                fakes.add(fake);
                fake.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + fake.nodeId + "\",\"version\":1,\"network\":\"peermesh\"}");
            }
            for (FakePeer fake : fakes) {
                String answer = fake.readLine();
                assertNotNull(answer, "an answer to every hello");
                assertTrue(answer.contains("\"msgtype\":\"hello\"") || answer.contains("\"reason\":\"full\""), answer);
                answered.incrementAndGet();
            }
            for (FakePeer fake : fakes) {
                fake.reset();
            }
        }
        assertEquals(total, answered.get());
        await(DEADLINE, () -> delta(HandshakeResult.OK) + delta(HandshakeResult.REFUSED) == total, seen::toString);
        return null;
    }

    private String pingFlood() throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            assertHello(fake.handshake());
            StringBuilder pings = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                pings.append("{\"msgtype\":\"ping\",\"nonce\":\"").append(i).append("\"}\n");
            }
            sendIgnoringReset(fake, pings.toString().getBytes(StandardCharsets.US_ASCII));
            assertTrue(fake.closedByNode());
            fake.reset();
        }
        await(DEADLINE, () -> delta(Limit.MESSAGE_RATE) == 1, seen::toString);
        return delta("sent:PONG") + " pongs sent before the close";
    }

    private String pingBurstWithinTheLimit() throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            assertHello(fake.handshake());
            StringBuilder pings = new StringBuilder();
            for (int i = 0; i < 1500; i++) {
                pings.append("{\"msgtype\":\"ping\",\"nonce\":\"b").append(i).append("\"}\n");
            }
            fake.sendRaw(pings.toString().getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1500; i++) {
                String pong = fake.next("pong");
                assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"b" + i + "\"}", pong);
            }
            fake.reset();
        }
        assertEquals(0, delta(Limit.MESSAGE_RATE));
        return "answered 1500/1500, not closed";
    }

    private String holdConnections(int count) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            int mostOpen = 0;
            for (int i = 0; i < count; i++) {
                Socket s = new Socket();
                s.setSoLinger(true, 0);
                s.connect(new InetSocketAddress("127.0.0.1", node.port()), 10_000);
                sockets.add(s);
                if (i % 50 == 0) {
                    mostOpen = Math.max(mostOpen, node.openConnections()); // a racy read, good enough for a bound
                }
            }
            mostOpen = Math.max(mostOpen, node.openConnections());
            long heldHeapMb = (usedHeapAfterGc() - baselineHeap) >> 20;
            // Each was either refused on accept by a cap or accepted and, never saying hello, closed
            // at the handshake timeout.
            await(DEADLINE, () -> refusedSince() + delta(HandshakeResult.TIMEOUT) == count,
                    () -> "refused " + refusedSince() + ", timed out " + delta(HandshakeResult.TIMEOUT) + ": " + seen);
            assertTrue(delta(Limit.INBOUND_TOTAL) > 0, "max-inbound refused some: " + seen);
            assertTrue(mostOpen <= MAX_INBOUND, mostOpen + " connections open at once, max-inbound " + MAX_INBOUND);
            return "at most " + mostOpen + " open at once; heap " + String.format("%+d", heldHeapMb) + " MB while held";
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private String slowloris() throws Exception {
        int count = 8;
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                results.add(pool.submit(this::dribbleAHello));
            }
            int maxBytes = 0;
            for (Future<Integer> r : results) {
                int sent = r.get(DEADLINE_SECONDS * 2L, TimeUnit.SECONDS);
                assertTrue(sent >= 0, "a slowloris was never closed");
                maxBytes = Math.max(maxBytes, sent);
            }
            await(DEADLINE, () -> delta(HandshakeResult.TIMEOUT) == count, seen::toString);
            return "at most " + maxBytes + " bytes dribbled before the close";
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sends a hello one byte per second; returns how many bytes went out before the node closed, -1 if never. */
    private Integer dribbleAHello() throws IOException {
        byte[] hello = ("{\"msgtype\":\"hello\",\"nodeid\":\"" + UUID.randomUUID() + "\"}\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.setSoLinger(true, 0);
            s.connect(new InetSocketAddress("127.0.0.1", node.port()), 10_000);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < hello.length; i++) {
                try {
                    out.write(hello[i]);
                    out.flush();
                } catch (IOException closed) {
                    return i;
                }
                try {
                    if (in.read() < 0) {
                        return i + 1;
                    }
                    throw new AssertionError("the node sent something to a half-sent hello");
                } catch (SocketTimeoutException stillOpen) {
                    // one second passed: the next byte
                } catch (IOException reset) {
                    return i + 1;
                }
            }
            return -1;
        }
    }

    private String connectResetStorm() throws IOException {
        for (int i = 0; i < 3000; i++) {
            try (Socket s = new Socket()) {
                s.setSoLinger(true, 0);
                s.connect(new InetSocketAddress("127.0.0.1", node.port()), 10_000);
            }
        }
        return null;
    }

    private String hugeAddr() throws IOException {
        int knownBefore = node.knownAddresses();
        try (FakePeer fake = new FakePeer(node.port())) {
            assertHello(fake.handshake());
            StringBuilder addr = new StringBuilder(8 << 20).append("{\"msgtype\":\"addr\",\"peers\":[");
            for (int i = 0; i < 100_000; i++) {
                addr.append(i == 0 ? "" : ",").append("{\"nodeid\":\"").append(UUID.randomUUID())
                        .append("\",\"addr\":\"127.0.").append((i >> 8) & 0xff).append('.').append(i & 0xff).append(":1\"}");
            }
            addr.append("]}\n");
            sendIgnoringReset(fake, addr.toString().getBytes(StandardCharsets.US_ASCII));
            assertTrue(fake.closedByNode());
            fake.reset();
        }
        await(DEADLINE, () -> delta(ProtocolError.FRAME_TOO_LARGE) == 1, seen::toString);
        assertEquals(knownBefore, node.knownAddresses(), "nothing of it was learned");
        return null;
    }

    private static final int LINES = 3;

    private String addrWithinTheFrame() throws IOException {
        // 1000 entries do not fit in 64 KiB with loopback addresses (at least 71 bytes each with
        // 127.0.x.y:1), so lines of 880: 3 of them, more than the burst of 1000 unsolicited entries.
        try (FakePeer fake = new FakePeer(node.port())) {
            assertHello(fake.handshake());
            // Answer the node's getaddr as a peer should: the answer to it is exempt from the rate
            // limit, and what follows is unsolicited.
            fake.next("getaddr");
            fake.send("{\"msgtype\":\"addr\",\"peers\":[]}");
            int sent = 0;
            for (int line = 0; line < LINES; line++) {
                StringBuilder addr = new StringBuilder().append("{\"msgtype\":\"addr\",\"peers\":[");
                for (int i = 0; i < 880; i++, sent++) {
                    addr.append(i == 0 ? "" : ",").append("{\"nodeid\":\"").append(UUID.randomUUID())
                            .append("\",\"addr\":\"127.0.").append(1 + (sent >> 8)).append('.').append(sent & 0xff).append(":1\"}");
                }
                addr.append("]}");
                assertTrue(addr.length() <= MAX_FRAME, "line of " + addr.length() + " bytes fits in max-frame-bytes");
                fake.send(addr.toString());
            }
            // Not punished: the sender is still connected and answered (after its addr lines, in order).
            fake.send("{\"msgtype\":\"ping\",\"nonce\":\"still-here\"}");
            assertEquals("{\"msgtype\":\"pong\",\"nonce\":\"still-here\"}", fake.next("pong"));
            assertEquals(LINES + 1, delta("received:ADDR"), seen::toString);
            assertTrue(delta(AddrDrop.RATE_LIMITED) > 0, "unsolicited entries beyond the burst are dropped: " + seen);
            int total = sent;
            int known = node.knownAddresses();
            assertTrue(known <= node.nodeConfig().maxKnownAddresses(), known + " addresses known");
            fake.reset();
            return "sent " + total + ", known addresses " + known + " (max " + node.nodeConfig().maxKnownAddresses() + ")";
        }
    }

    private String spoofedNodeId() throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + legit.nodeId() + "\",\"version\":1,\"network\":\"peermesh\"}");
            String answer = fake.readLine();
            assertTrue(answer.contains("\"reject\"") && answer.contains("duplicate"), answer);
            assertTrue(fake.closedByNode());
            fake.reset();
        }
        await(DEADLINE, () -> delta(HandshakeResult.DUPLICATE) == 1, seen::toString);
        return null;
    }

    /** Sorts below every random node id: a dial by this id wins the crossing-dial tie-break. */
    private static final String SMALLEST_ID = "00000000-0000-4000-8000-000000000001";

    /**
     * The node dials a peer (a minimal one, with the smallest possible id), and at once a stranger
     * says hello with that id, inside the crossing-dial window, where the tie-break favours the
     * stranger's "dial". The claim is parked, never registered, and refused at its deadline: the
     * peer the node dialled keeps its connection.
     */
    private String spoofInsideTheCrossingWindow() throws Exception {
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            node.connectTo(new io.peermesh.wire.HostPort("127.0.0.1", listener.getLocalPort()));
            try (FakePeer dialled = FakePeer.accept(listener, SMALLEST_ID)) {
                assertHello(dialled.readLine());
                dialled.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + SMALLEST_ID + "\"}");
                await(DEADLINE, () -> get(node.peers()).stream().anyMatch(p -> p.nodeid().equals(SMALLEST_ID)),
                        () -> "the node dialled the peer");
                String answer;
                try (FakePeer impostor = new FakePeer(node.port(), SMALLEST_ID)) {
                    impostor.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + SMALLEST_ID + "\"}");
                    answer = impostor.readLine();
                    String refusal = answer.contains("\"reject\"") ? answer : impostor.readLine();
                    assertTrue(refusal.contains("\"reject\"") && refusal.contains("duplicate"), refusal);
                    assertTrue(impostor.closedByNode());
                    impostor.reset();
                }
                PeerView kept = peerView(SMALLEST_ID);
                assertEquals("outbound", kept.direction(), "the dialled peer keeps the connection the node dialled");
                dialled.send("{\"msgtype\":\"bye\"}"); // leaves, and is not re-dialled
                assertTrue(dialled.closedByNode());
                dialled.reset();
                return answer.contains("\"hello\"") ? "impostor parked, then refused at its deadline"
                        : "impostor refused at once (the window had passed)";
            }
        }
    }

    /**
     * A stranger says it listens where the legit peer listens. The node dials that address to see
     * who answers: the legit peer, which refuses the dial as a duplicate. That settles it, and the
     * verification dial displaces nothing.
     */
    private String claimedListenAddress() throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            fake.send("{\"msgtype\":\"hello\",\"nodeid\":\"" + fake.nodeId + "\",\"listen\":\"" + legit.advertised() + "\"}");
            assertHello(fake.readLine());
            await(DEADLINE, () -> delta(DialResult.OK) == 1 && delta(HandshakeResult.DUPLICATE) == 1, seen::toString);
            fake.reset();
        }
        return null;
    }

    // ---------------------------------------------------------------- one attack, checked and measured

    private Map<Object, Integer> before = Map.of();

    private interface Body {
        String run() throws Exception;
    }

    private void attack(String name, Body body) throws Exception {
        before = seen.snapshot();
        int logLinesBefore = logLines.get();
        long start = System.nanoTime();
        String note;
        try {
            note = body.run();
        } catch (Throwable t) {
            table.add(new Row(name, "FAILED: " + t, "", "", "", ""));
            throw t;
        }
        long end = System.nanoTime();
        // Every attacking connection is gone, and the node still answers pings sent after the attack.
        await(DEADLINE, () -> node.openConnections() == baselineOpen,
                () -> node.openConnections() + " connections open after " + name);
        await(DEADLINE, () -> client.answeredAfter(end), () -> "no pong to a ping sent after " + name);
        await(DEADLINE, () -> legitSeen.sampledAfter(end), () -> "the legit peer got no pong after " + name);
        long settled = System.nanoTime();
        assertSameConnection(legitAtStart, peerView(legit.nodeId()), "legit peer after " + name);
        assertSameConnection(clientAtStart, peerView(client.nodeId), "measuring client after " + name);
        long heap = usedHeapAfterGc();
        long heapMb = (heap - baselineHeap) >> 20;
        table.add(new Row(name, outcome() + (note == null ? "" : "; " + note),
                client.rtts.summary(start, settled, gcPauses), legitSeen.rtts.summary(start, settled, gcPauses),
                String.format("%+d", heapMb), String.valueOf(logLines.get() - logLinesBefore)));
        assertTrue(heap - baselineHeap < HEAP_BOUND_MB << 20,
                "used heap after GC " + (heap >> 20) + " MB, baseline " + (baselineHeap >> 20) + " MB, after " + name);
    }

    private int delta(Object key) {
        return seen.count(key) - before.getOrDefault(key, 0);
    }

    private int protocolErrors() {
        int n = 0;
        for (ProtocolError e : ProtocolError.values()) {
            n += delta(e);
        }
        return n;
    }

    private int refusedSince() {
        return delta(Limit.INBOUND_TOTAL) + delta(Limit.INBOUND_PER_IP) + delta(Limit.PENDING_HANDSHAKES);
    }

    /** What the node counted during the attack, e.g. "closed: frame_too_large x1; refused: inbound_total x1488". */
    private String outcome() {
        List<String> parts = new ArrayList<>();
        for (ProtocolError e : ProtocolError.values()) {
            add(parts, "closed: " + e.label(), delta(e));
        }
        for (Limit l : Limit.values()) {
            boolean onAccept = l == Limit.INBOUND_TOTAL || l == Limit.INBOUND_PER_IP || l == Limit.PENDING_HANDSHAKES;
            add(parts, (onAccept ? "refused: " : "closed: ") + l.label(), delta(l));
        }
        for (HandshakeResult r : HandshakeResult.values()) {
            add(parts, "handshake " + r.label(), delta(r));
        }
        for (DialResult d : DialResult.values()) {
            add(parts, "dial " + d.name().toLowerCase(), delta(d));
        }
        for (AddrDrop d : AddrDrop.values()) {
            add(parts, "addr entries " + d.name().toLowerCase(), delta(d));
        }
        return parts.isEmpty() ? "nothing counted" : String.join(", ", parts);
    }

    private static void add(List<String> parts, String what, int n) {
        if (n > 0) {
            parts.add(what + " x" + n);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void expectClosed(byte[] bytes) throws IOException {
        try (FakePeer fake = new FakePeer(node.port())) {
            sendIgnoringReset(fake, bytes);
            assertTrue(fake.closedByNode(), "closed by the node");
            fake.reset();
        }
    }

    private static void sendIgnoringReset(FakePeer fake, byte[] bytes) {
        try {
            fake.sendRaw(bytes);
        } catch (IOException closedUnderUs) {
            // the node closed the connection before it had read everything: that is the point
        }
    }

    private static void assertHello(String answer) {
        assertTrue(answer != null && answer.contains("\"msgtype\":\"hello\""), String.valueOf(answer));
    }

    private PeerView peerView(String nodeId) {
        for (PeerView v : get(node.peers())) {
            if (v.nodeid().equals(nodeId)) {
                return v;
            }
        }
        throw new AssertionError("node " + nodeId + " is not a peer of the node under test any more");
    }

    private static void assertSameConnection(PeerView atStart, PeerView now, String who) {
        assertEquals(atStart.remoteAddress(), now.remoteAddress(), who + ": same connection");
        assertEquals(atStart.connectedSince(), now.connectedSince(), who + ": connected since the start");
    }

    /**
     * Used heap after a full GC. The GC stops the node too; the pings it delays are left out of the
     * RTT figures (they would measure this test, not the node).
     */
    private long usedHeapAfterGc() {
        long from = System.nanoTime();
        System.gc();
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        gcPauses.add(new long[] {from, System.nanoTime()});
        return used;
    }

    /** File descriptors this test may use: the soft limit minus what is open, minus a margin. */
    private static int fileDescriptorBudget() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return (int) Math.min(Integer.MAX_VALUE, os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 512);
        }
        return 4096;
    }

    private void printTable() {
        if (table.isEmpty()) {
            return;
        }
        String format = "| %-36s | %-96s | %-22s | %-22s | %-7s | %-9s |%n";
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nHostile clients vs. one node (max-inbound %d, max-frame-bytes %d, handshake-timeout %s);"
                + " RTT of legitimate pings during each attack, p50/max ms (samples; pings in flight during this test's"
                + " own System.gc() left out); heap: used after GC, MB over the baseline; log lines: WARN and above:%n",
                MAX_INBOUND, MAX_FRAME, HANDSHAKE_TIMEOUT));
        out.append(String.format(format, "attack", "outcome", "measuring client RTT", "legit core peer RTT", "heap MB",
                "log lines"));
        out.append(String.format(format, "-".repeat(36), "-".repeat(96), "-".repeat(22), "-".repeat(22), "-".repeat(7),
                "-".repeat(9)));
        for (Row r : table) {
            out.append(String.format(format, r.attack, r.outcome, r.clientRtt, r.legitRtt, r.heap, r.logLines));
        }
        System.out.print(out);
    }

    private record Row(String attack, String outcome, String clientRtt, String legitRtt, String heap, String logLines) {
    }

    /** RTT samples stamped with when the ping went out. */
    static final class Rtts {
        private final List<long[]> samples = new CopyOnWriteArrayList<>(); // {sent at nanos, rtt nanos}

        void add(long sentAtNanos, long rttNanos) {
            samples.add(new long[] {sentAtNanos, rttNanos});
        }

        boolean sentAfter(long nanos) {
            for (int i = samples.size() - 1; i >= 0; i--) {
                if (samples.get(i)[0] > nanos) {
                    return true;
                }
            }
            return false;
        }

        /** p50 / max of the pings sent in [from, to], leaving out those in flight during a pause. */
        String summary(long from, long to, List<long[]> pauses) {
            List<Long> in = new ArrayList<>();
            for (long[] s : samples) {
                if (s[0] >= from && s[0] <= to && pauses.stream().noneMatch(p -> s[0] <= p[1] && s[0] + s[1] >= p[0])) {
                    in.add(s[1]);
                }
            }
            if (in.isEmpty()) {
                return "no samples";
            }
            Collections.sort(in);
            return String.format("%.1f / %.1f (%d)", in.get(in.size() / 2) / 1e6, in.get(in.size() - 1) / 1e6, in.size());
        }
    }

    /** The legit core peer's view: its ping RTTs, handshakes and timeouts. */
    static final class RttObserver implements NodeObserver {
        final Rtts rtts = new Rtts();
        final AtomicInteger handshakes = new AtomicInteger();
        final AtomicInteger timeouts = new AtomicInteger();

        @Override
        public void pingRoundTrip(long nanos) {
            rtts.add(System.nanoTime() - nanos, nanos);
        }

        @Override
        public void handshake(HandshakeResult result) {
            if (result == HandshakeResult.OK) {
                handshakes.incrementAndGet();
            }
        }

        @Override
        public void peerTimedOut() {
            timeouts.incrementAndGet();
        }

        boolean sampledAfter(long nanos) {
            return rtts.sentAfter(nanos);
        }
    }

    /**
     * A raw legitimate client: hello, then a ping every 100 ms with a fresh nonce, timing each pong;
     * it answers the node's pings and getaddr as a peer must.
     */
    static final class MeasuringClient implements AutoCloseable {
        final String nodeId = UUID.randomUUID().toString();
        final Rtts rtts = new Rtts();
        final AtomicInteger pongs = new AtomicInteger();
        private final Map<String, Long> inFlight = new ConcurrentHashMap<>();
        private final AtomicLong seq = new AtomicLong();
        private final Socket socket;
        private final OutputStream out;
        private final BufferedReader in;
        private final Thread reader;
        private final Thread pinger;
        volatile boolean closed;
        private volatile boolean stopping;

        MeasuringClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            send("{\"msgtype\":\"hello\",\"nodeid\":\"" + nodeId + "\",\"version\":1,\"network\":\"peermesh\"}");
            String hello = in.readLine();
            assertHello(hello);
            reader = new Thread(this::read, "measuring-client-reader");
            reader.setDaemon(true);
            reader.start();
            pinger = new Thread(this::ping, "measuring-client-pinger");
            pinger.setDaemon(true);
            pinger.start();
        }

        private synchronized void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private void ping() {
            try {
                while (!stopping) {
                    String nonce = "m" + seq.incrementAndGet();
                    inFlight.put(nonce, System.nanoTime());
                    send("{\"msgtype\":\"ping\",\"nonce\":\"" + nonce + "\"}");
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                closed = !stopping;
            }
        }

        private void read() {
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.contains("\"msgtype\":\"pong\"")) {
                        String nonce = nonceOf(line);
                        Long sent = nonce == null ? null : inFlight.remove(nonce);
                        if (sent != null) {
                            rtts.add(sent, System.nanoTime() - sent);
                            pongs.incrementAndGet();
                        }
                    } else if (line.contains("\"msgtype\":\"ping\"")) {
                        String nonce = nonceOf(line);
                        send(nonce == null ? "{\"msgtype\":\"pong\"}" : "{\"msgtype\":\"pong\",\"nonce\":\"" + nonce + "\"}");
                    } else if (line.contains("\"msgtype\":\"getaddr\"")) {
                        send("{\"msgtype\":\"addr\",\"peers\":[]}");
                    }
                }
            } catch (IOException e) {
                // closed
            }
            closed = !stopping;
        }

        private static String nonceOf(String line) {
            int i = line.indexOf("\"nonce\":\"");
            if (i < 0) {
                return null;
            }
            int start = i + 9;
            return line.substring(start, line.indexOf('"', start));
        }

        /** True once a ping sent after {@code nanos} got its pong. */
        boolean answeredAfter(long nanos) {
            return rtts.sentAfter(nanos);
        }

        /** Pings sent more than {@code age} ago that never got a pong. */
        int unanswered(Duration age) {
            long cutoff = System.nanoTime() - age.toNanos();
            int n = 0;
            for (long sent : inFlight.values()) {
                if (sent < cutoff) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            stopping = true;
            pinger.interrupt();
            socket.close();
        }
    }

}
