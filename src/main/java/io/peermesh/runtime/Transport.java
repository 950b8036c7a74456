package io.peermesh.runtime;

import io.peermesh.wire.HostPort;
import java.util.function.Consumer;

/**
 * How a node reaches the network: one listening server and outgoing dials. Vert.x TCP (with
 * optional mutual TLS) in production; a simulated network in the simulator.
 *
 * <p>Threading: called on the node's loop; every callback runs there.
 */
public interface Transport {

    /** What a dial became. */
    sealed interface DialOutcome {
    }

    record Connected(Link link) implements DialOutcome {
    }

    /**
     * @param kind    how it failed, as {@code p2p_dials_total{result}}
     * @param problem one sentence for readiness and {@code /node/targets}
     * @param tls     true when the TLS handshake failed (counted as a TLS protocol error)
     */
    record Failed(Kind kind, String problem, boolean tls) implements DialOutcome {
        public enum Kind { REFUSED, TIMEOUT, ERROR }
    }

    /**
     * Listens on {@code host:port} (0: any free port) and hands every accepted link to
     * {@code accepted}. {@code done} gets the bound port, or the failure (e.g. the port is in use).
     */
    void listen(String host, int port, Consumer<Link> accepted, Consumer<ListenResult> done);

    record ListenResult(int port, Throwable failure) {
    }

    /** Dials {@code address}; {@code done} gets the link, or why it failed. */
    void connect(HostPort address, Consumer<DialOutcome> done);

    /** Closes the server, the client and every link; {@code done} runs when all are closed. */
    void close(Runnable done);
}
