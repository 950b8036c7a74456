package io.peermesh.node;

import io.netty.channel.ConnectTimeoutException;
import io.peermesh.wire.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Keeps this node dialling the addresses it was given until each is connected, re-dialling with
 * {@link Backoff} after failures and losses. One {@link DialTarget} per address.
 *
 * <p>It never dials an address whose node is already connected, nor one that turned out to be this
 * node. Threading: every method runs on the node's event loop.
 */
final class Dialer {

    private static final Logger LOG = Logger.getLogger(Dialer.class.getName());

    /** What the dialer needs from its node. */
    interface Host {
        boolean stopping();

        boolean isConnected(String nodeId);

        /** The node id of a connected peer that listens at this address, or null. */
        String connectedNodeAt(HostPort listen);

        HostPort advertise();

        /** A dial succeeded: start the handshake on this socket. */
        void dialed(NetSocket socket, DialTarget target);

        /** Some target's state or problem changed (readiness explains itself from them). */
        void targetsChanged();
    }

    private final Vertx vertx;
    private final NetClient client;
    private final Backoff backoff;
    private final NodeClock clock;
    private final NodeObserver observer;
    private final Host host;
    private final Map<HostPort, DialTarget> targets = new LinkedHashMap<>();

    Dialer(Vertx vertx, NetClient client, Backoff backoff, NodeClock clock, NodeObserver observer, Host host) {
        this.vertx = vertx;
        this.client = client;
        this.backoff = backoff;
        this.clock = clock;
        this.observer = observer;
        this.host = host;
    }

    /**
     * Offers an address. A new one is dialled at once; a known one that departed (said bye) or is
     * waiting in backoff is dialled again now, since a source vouched for it again.
     */
    void offer(HostPort address, DialTarget.Source source) {
        DialTarget t = targets.get(address);
        if (t == null) {
            t = new DialTarget(address, source);
            targets.put(address, t);
            dial(t);
        } else if (t.state == DialTarget.State.DEPARTED || t.state == DialTarget.State.IDLE) {
            dial(t);
        }
    }

    private void dial(DialTarget t) {
        cancelTimer(t);
        if (host.stopping() || t.state == DialTarget.State.SELF) {
            return;
        }
        if (t.nodeId != null && host.isConnected(t.nodeId)) {
            markConnected(t, t.nodeId);
            return;
        }
        if (t.address.equals(host.advertise())) {
            markSelf(t, "it is this node's own advertised address");
            return;
        }
        String connected = host.connectedNodeAt(t.address);
        if (connected != null) {
            markConnected(t, connected);
            return;
        }
        t.state = DialTarget.State.DIALING;
        client.connect(t.address.port(), t.address.host()).onComplete(ar -> {
            if (ar.succeeded()) {
                onConnected(t, ar.result());
            } else {
                onDialFailed(t, ar.cause());
            }
        });
    }

    private void onConnected(DialTarget t, NetSocket socket) {
        observer.dialed(DialResult.OK);
        if (host.stopping()) {
            socket.close();
            return;
        }
        t.state = DialTarget.State.HANDSHAKING;
        host.dialed(socket, t);
    }

    private void onDialFailed(DialTarget t, Throwable cause) {
        DialResult result;
        String problem;
        if (cause instanceof ConnectTimeoutException) {
            result = DialResult.TIMEOUT;
            problem = "dial to " + t.address + " timed out (p2p.connect-timeout)";
        } else if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")) {
            result = DialResult.REFUSED;
            problem = "dial to " + t.address + " refused: nothing listens there";
        } else if (cause instanceof UnknownHostException) {
            result = DialResult.ERROR;
            problem = "dial to " + t.address + " failed: unknown host";
        } else {
            result = DialResult.ERROR;
            problem = "dial to " + t.address + " failed: " + cause.getMessage();
        }
        observer.dialed(result);
        retryLater(t, problem);
    }

    /** An outbound connection closed before its handshake was accepted. */
    void handshakeFailed(DialTarget t, String problem) {
        if (t.nodeId != null && host.isConnected(t.nodeId)) {
            markConnected(t, t.nodeId); // refused as a duplicate of a connection we already have
            return;
        }
        retryLater(t, "handshake with " + t.address + " failed: " + problem);
    }

    /** A handshake (ours or refused by the peer) told us which node answers at this target. */
    void identified(DialTarget t, String nodeId) {
        t.nodeId = nodeId;
    }

    void markSelf(DialTarget t, String why) {
        cancelTimer(t);
        if (t.state != DialTarget.State.SELF) {
            t.state = DialTarget.State.SELF;
            t.problem = null;
            LOG.info(() -> "not dialling " + t.address + " again: " + why);
            host.targetsChanged();
        }
    }

    /** A peer handshaked; every target that leads to it counts as connected. */
    void peerConnected(String nodeId, HostPort listen, DialTarget via) {
        if (via != null) {
            markConnected(via, nodeId);
        }
        if (listen != null) {
            DialTarget t = targets.get(listen);
            if (t != null && t != via && t.state != DialTarget.State.DIALING && t.state != DialTarget.State.HANDSHAKING) {
                markConnected(t, nodeId);
            }
        }
    }

    /** A registered peer went away; its targets are re-dialled unless it said bye. */
    void peerLost(String nodeId, boolean saidBye) {
        for (DialTarget t : targets.values()) {
            if (nodeId.equals(t.nodeId) && t.state == DialTarget.State.CONNECTED) {
                if (saidBye) {
                    t.state = DialTarget.State.DEPARTED;
                    t.problem = "node " + nodeId + " at " + t.address + " left (said bye)";
                } else {
                    t.failures = 0;
                    retryLater(t, "lost connection to node " + nodeId + " at " + t.address);
                }
            }
        }
        host.targetsChanged();
    }

    /** Bootstrap addresses whose node left are dialled again (the node fell below min-peers). */
    void reviveDepartedBootstrap() {
        for (DialTarget t : List.copyOf(targets.values())) {
            if (t.state == DialTarget.State.DEPARTED && t.source == DialTarget.Source.BOOTSTRAP) {
                t.failures = 0;
                retryLater(t, t.problem);
            }
        }
    }

    private void markConnected(DialTarget t, String nodeId) {
        cancelTimer(t);
        t.nodeId = nodeId;
        t.state = DialTarget.State.CONNECTED;
        t.failures = 0;
        t.problem = null;
        host.targetsChanged();
    }

    private void retryLater(DialTarget t, String problem) {
        if (t.state == DialTarget.State.SELF) {
            return; // final: an address that leads back to this node is never dialled again
        }
        cancelTimer(t);
        t.problem = problem;
        if (host.stopping()) {
            t.state = DialTarget.State.IDLE;
            return;
        }
        long delay = backoff.delayMillis(t.failures);
        t.failures = Math.min(t.failures + 1, 30);
        t.state = DialTarget.State.BACKOFF;
        t.nextAttemptAtMillis = clock.currentTimeMillis() + delay;
        t.timerId = vertx.setTimer(delay, id -> {
            t.timerId = -1;
            dial(t);
        });
        host.targetsChanged();
    }

    private void cancelTimer(DialTarget t) {
        if (t.timerId >= 0) {
            vertx.cancelTimer(t.timerId);
            t.timerId = -1;
        }
    }

    /** Cancels every pending re-dial; called when the node stops. */
    void stop() {
        for (DialTarget t : targets.values()) {
            cancelTimer(t);
        }
    }

    /** Targets that are not connected, with their problem, for readiness and diagnostics. */
    List<TargetStatus> status() {
        List<TargetStatus> out = new ArrayList<>(targets.size());
        for (DialTarget t : targets.values()) {
            out.add(new TargetStatus(t.address.toString(), t.source.name().toLowerCase(), t.state.name().toLowerCase(),
                    t.nodeId, t.failures, t.problem));
        }
        return out;
    }

    int size() {
        return targets.size();
    }

    int pendingTimers() {
        int n = 0;
        for (DialTarget t : targets.values()) {
            if (t.timerId >= 0) {
                n++;
            }
        }
        return n;
    }
}
