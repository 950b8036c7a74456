package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.dial.DialTarget;
import io.peermesh.node.dial.Dialer;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.TokenBucket;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Message;
import io.peermesh.wire.ProtocolError;
import io.peermesh.wire.ProtocolViolation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

/**
 * The node's connections from socket to close: opens a {@link PeerConnection} on every accepted
 * or dialled link (after the gatekeeper's screening), answers its callbacks (handing hellos to
 * {@link Handshakes} and messages to {@link MessageDispatch}), counts and logs what goes wrong,
 * and on close decides what the loss means. It is both the connections' {@link ConnectionOwner}
 * and the dialer's {@link Dialer.Host}.
 *
 * <p>On the node's loop.
 */
final class Connections implements ConnectionOwner, Dialer.Host {

    /** What a TLS-refused inbound connection's log line says, whatever the detail. */
    static final String TLS_REFUSED = "TLS handshake failed (plain-text or untrusted peer)";

    private final NodeParts n;
    private final Handshakes handshakes;
    private final MessageDispatch dispatch;
    private final PeerLinks links;
    private final Liveness liveness;
    private final ReadinessTracker readiness;

    Connections(NodeParts parts, Handshakes handshakes, MessageDispatch dispatch, PeerLinks links, Liveness liveness,
            ReadinessTracker readiness) {
        this.n = parts;
        this.handshakes = handshakes;
        this.dispatch = dispatch;
        this.links = links;
        this.liveness = liveness;
        this.readiness = readiness;
    }

    /** A link accepted by the server (inbound) or dialled for {@code target} (outbound). */
    void accept(Link socket, Direction direction, DialTarget target) {
        if (n.stopping) {
            socket.close();
            return;
        }
        Penalties.Verdict standing = direction == Direction.INBOUND ? n.gate.screen(socket.remoteIp()) : Penalties.Verdict.CLEAR;
        if (standing == null) {
            socket.close();
            return;
        }
        boolean verification = target != null && handshakes.takeVerification(target.address);
        PeerConnection c = new PeerConnection(this, socket, direction, target, verification, n.config.maxFrameBytes());
        if (direction == Direction.INBOUND) {
            n.gate.entered(c, standing);
        }
        n.open.add(c);
        c.open(n.config.handshakeTimeout().toMillis()); // an inbound TLS link is secured there, before anything is read
    }

    int pendingHandshakes() {
        int pending = 0;
        for (PeerConnection c : n.open) {
            if (c.state().handshaking()) {
                pending++;
            }
        }
        return pending;
    }

    /**
     * A stopping node's byes, then every connection closed; the futures complete when each close
     * was handled. A dial still waiting for the answer to its hello gets a bye too: the peer may
     * already count it as established (its hello is on the way back), and without the bye it would
     * take this departure for a crash and suspect the node for a ping timeout.
     */
    List<Future<Void>> closeAll() {
        List<Future<Void>> closing = new ArrayList<>();
        for (PeerConnection c : List.copyOf(n.open)) {
            if (c.state() == ConnectionState.ESTABLISHED
                    || (c.state().handshaking() && c.direction() == Direction.OUTBOUND)) {
                c.send(new Message.Bye("shutdown"));
            }
            closing.add(c.close(CloseCause.of(CloseCause.Kind.NODE_STOPPING)));
        }
        return closing;
    }

    @Override
    public void limitHit(PeerConnection c, Limit limit) {
        n.observer.limitHit(limit);
        n.limitLog.hit(limit, "closed " + c.describe());
        if (limit == Limit.MESSAGE_RATE) {
            n.gate.offence(c);
        }
    }

    @Override
    public void violated(PeerConnection c, ProtocolViolation v) {
        n.observer.protocolError(v.error());
        n.gate.offence(c);
        // One line, no stack trace: bad input is expected, and the node keeps serving everyone else.
        // Rate limited per reason: an attacker opening thousands of bad connections gets a few lines.
        n.connectionLog.log(Level.WARNING, v.error(),
                () -> "closing " + c.describe() + ": protocol error " + v.error().label() + ": " + v.getMessage());
    }

    @Override
    public void tlsRefused(PeerConnection c, String why) {
        n.observer.protocolError(ProtocolError.TLS_HANDSHAKE_FAILED);
        n.observer.handshake(HandshakeResult.REFUSED);
        n.connectionLog.log(Level.WARNING, ProtocolError.TLS_HANDSHAKE_FAILED,
                () -> "refused inbound connection from " + c.remoteAddress() + ": " + TLS_REFUSED + ": " + why);
    }

    @Override
    public void handshakeTimedOut(PeerConnection c) {
        n.observer.handshake(HandshakeResult.TIMEOUT);
        if (c.direction() == Direction.OUTBOUND && c.target() != null && !c.verification()) {
            n.dialer.answeredNoHello(c.target());
        }
        n.connectionLog.log(Level.INFO, HandshakeResult.TIMEOUT,
                () -> "closing " + c.describe() + ": no completed handshake within p2p.handshake-timeout");
    }

    @Override public Admission admit(PeerConnection c, Message.Hello hello) { return handshakes.admit(c, hello); }
    @Override public void parkingExpired(PeerConnection c) { handshakes.parkingExpired(c); }
    @Override public void established(PeerConnection c, Admission a) { handshakes.established(c, a); }
    @Override public void refusedByPeer(PeerConnection c, Message.Reject r) { handshakes.refusedByPeer(c, r); }
    @Override public void onMessage(PeerConnection c, Message message) { dispatch.onMessage(c, message); }

    @Override
    public void closed(PeerConnection c) {
        if (n.open.remove(c) && c.direction() == Direction.INBOUND) {
            n.gate.closed(c);
        }
        PeerConnection successor = n.table.get(c.nodeId()) == c ? handshakes.successorOf(c) : null;
        if (successor != null) {
            handshakes.promote(c, successor);
        } else if (n.table.removeIfRegistered(c)) {
            links.gone(c);
            readiness.refresh();
        } else if (c.target() != null && c.closedFrom() != ConnectionState.ESTABLISHED && !n.stopping) {
            n.dialer.handshakeFailed(c.target(), c.closeReason()); // refused, timed out, or parked and refused
        }
    }

    // ---------------------------------------------------------------- what connections and the dialer read

    @Override public NodeObserver observer() { return n.observer; }
    @Override public Loop loop() { return n.loop; }
    /** Our hello, with our current peer count (a full node lets in a node that has none). */
    @Override public Message.Hello ownHello() {
        return new Message.Hello(n.nodeId, NodeConfig.PROTOCOL_VERSION, n.config.network(),
                n.advertise == null ? null : n.advertise.toString(), n.table.size(), n.membership.ownMetadata(),
                n.membership.ownIncarnation(), null);
    }
    @Override public String nodeId() { return n.nodeId; }
    @Override public int peerCount() { return n.table.size(); }
    @Override public LimitsConfig limits() { return n.config.limits(); }
    @Override public boolean pingFollowUp() { return n.config.pingFollowUp(); }
    @Override public boolean rttSampling() { return liveness.sampling(); }
    @Override public TokenBucket addrBucket() {
        return new TokenBucket(n.config.discovery().addrRate(), n.config.discovery().addrBurst(), n.loop.nanoTime());
    }
    @Override public boolean stopping() { return n.stopping; }
    @Override public boolean isConnected(String peer) { return n.table.get(peer) != null; }
    @Override public String connectedNodeAt(HostPort listen) { return n.table.nodeIdListeningAt(listen); }
    @Override public HostPort advertise() { return n.advertise; }
    @Override public void dialed(Link link, DialTarget target) { accept(link, Direction.OUTBOUND, target); }
    @Override public void targetsChanged() { readiness.targetsChanged(); }
    @Override public void linksChanged() { readiness.linksChanged(); }
}
