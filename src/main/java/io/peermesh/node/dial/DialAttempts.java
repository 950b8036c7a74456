package io.peermesh.node.dial;

import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.LinkProblem;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;

/**
 * One outbound dial of a target through the {@link Transport}, and what its outcome does: a link
 * goes to the node's handshake; a failure is counted, may reveal a one-way link, and is retried
 * with back-off. Also the verification dials, to addresses a connected node claims.
 *
 * <p>Threading: every method runs on the node's event loop.
 */
public final class DialAttempts {

    private final Transport transport;
    private final NodeObserver observer;
    private final Dialer.Host host;
    private final DialTargets targets;
    private final GrayLinks grayLinks;
    private final TargetTransitions transitions;

    DialAttempts(Transport transport, NodeObserver observer, Dialer.Host host, DialTargets targets,
            GrayLinks grayLinks, TargetTransitions transitions) {
        this.transport = transport;
        this.observer = observer;
        this.host = host;
        this.targets = targets;
        this.grayLinks = grayLinks;
        this.transitions = transitions;
    }

    /**
     * Dials an address even though a connected node claims it, to learn who really answers there
     * (the handshake then retires a stale identity, or is refused as a duplicate).
     */
    void verify(HostPort address) {
        DialTarget t = targets.computeIfAbsent(address, a -> new DialTarget(a, DialTarget.Source.GOSSIP));
        if (t.inFlight() || t.state == DialTarget.State.SELF || host.stopping()) {
            return;
        }
        transitions.cancelTimer(t);
        targets.move(t, DialTarget.State.DIALING);
        connect(t);
    }

    void connect(DialTarget t) {
        transport.connect(t.address, outcome -> {
            if (outcome instanceof Transport.Connected c) {
                onConnected(t, c.link());
            } else {
                onDialFailed(t, (Transport.Failed) outcome);
            }
        });
    }

    private void onConnected(DialTarget t, Link socket) {
        observer.dialed(DialResult.OK);
        t.lastDialFailure = null;
        if (host.stopping() || !targets.contains(t.address)) {
            socket.close();
            return;
        }
        targets.move(t, DialTarget.State.HANDSHAKING);
        host.dialed(socket, t);
    }

    private void onDialFailed(DialTarget t, Transport.Failed failure) {
        DialResult result = DialResult.of(failure);
        if (failure.tls()) {
            observer.protocolError(io.peermesh.wire.ProtocolError.TLS_HANDSHAKE_FAILED);
        }
        String problem = failure.problem();
        boolean tls = failure.tls();
        observer.dialed(result);
        t.lastDialFailure = result;
        String connected = host.connectedNodeAt(t.address);
        if (connected != null && !tls) {
            // The node there reached us (it is connected, by its own dial) while ours failed.
            transitions.markConnected(t, connected);
            grayLinks.markOneWay(t, connected);
            return;
        }
        if (t.link == LinkProblem.NO_HELLO) {
            grayLinks.setLink(t, null, null); // no longer accepting connections: a plain failure now
        }
        transitions.retryLater(t, problem);
    }
}
