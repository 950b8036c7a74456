package io.peermesh.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A hand-driven peer on a plain blocking socket: it says exactly what a test tells it to, so
 * tests can play minimal, silent, broken or hostile peers against a real node.
 */
final class FakePeer implements AutoCloseable {

    final String nodeId;
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    FakePeer(int port) throws IOException {
        this(new Socket("127.0.0.1", port), UUID.randomUUID().toString());
    }

    /** Dials the node on {@code port}, to say hello as {@code nodeId} (which may be another's). */
    FakePeer(int port, String nodeId) throws IOException {
        this(new Socket("127.0.0.1", port), nodeId);
    }

    /**
     * Dials the node on {@code port} from the loopback address {@code localIp} (e.g. 127.0.0.2: on
     * Linux all of 127.0.0.0/8 is loopback), so that a test has a source address of its own.
     */
    static FakePeer from(String localIp, int port, String nodeId) throws IOException {
        Socket s = new Socket();
        s.bind(new java.net.InetSocketAddress(localIp, 0));
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        return new FakePeer(s, nodeId);
    }

    private FakePeer(Socket socket, String nodeId) throws IOException {
        this.socket = socket;
        this.nodeId = nodeId;
        socket.setSoTimeout(10_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** The next connection the node makes to {@code server}, played as node {@code nodeId}. */
    static FakePeer accept(java.net.ServerSocket server, String nodeId) throws IOException {
        server.setSoTimeout(10_000);
        return new FakePeer(server.accept(), nodeId);
    }

    /** The local (ephemeral) port of this peer's socket. */
    int localPort() {
        return socket.getLocalPort();
    }

    void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends the original design's minimal hello and returns the node's answer line. */
    String handshake() throws IOException {
        send("{\"msgtype\":\"hello\",\"nodeid\":\"" + nodeId + "\"}");
        return readLine();
    }

    /** The next line, or null at end of stream; fails the test if nothing arrives within 10 s. */
    String readLine() throws IOException {
        try {
            return in.readLine();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no line from the node within 10 s");
        }
    }

    /**
     * The next line of this msgtype, skipping the node's own traffic (getaddr, addr, pings) that
     * arrives unasked after a handshake; at most 100 lines are skipped.
     */
    String next(String msgtype) throws IOException {
        String marker = "\"msgtype\":\"" + msgtype + "\"";
        for (int i = 0; i < 100; i++) {
            String line = readLine();
            if (line == null || line.contains(marker)) {
                return line;
            }
        }
        throw new AssertionError("no " + msgtype + " among 100 lines");
    }

    /** Every line that arrives until none has for {@code quietMillis}, or the node closes the connection. */
    java.util.List<String> drain(int quietMillis) throws IOException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        socket.setSoTimeout(quietMillis);
        try {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (SocketTimeoutException e) {
            // quiet for quietMillis: done
        } finally {
            socket.setSoTimeout(10_000);
        }
        return lines;
    }

    /** Reads until the node closes the connection; true if it did within 10 s. */
    boolean closedByNode() throws IOException {
        try {
            while (in.readLine() != null) {
                // drain whatever was sent before the close
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    /** Closes with a TCP reset (SO_LINGER 0): no TIME_WAIT left behind by tests that open thousands. */
    void reset() throws IOException {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException alreadyClosed) {
            // closing is all that is left to do
        }
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
