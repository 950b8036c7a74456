package io.peermesh.node;

import io.peermesh.node.dial.DialTarget;
import io.peermesh.node.events.Limit;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.LinkFailure;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.PingLines;
import io.peermesh.wire.ProtocolError;
import io.peermesh.wire.ProtocolViolation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One TCP connection to a peer and its state machine ({@link ConnectionState}: the only state it
 * has; why it closed is a typed {@link CloseCause}). It frames and decodes input, runs the hello
 * exchange, answers pings, and hands every node-level decision to its {@link ConnectionOwner}.
 *
 * <p>Threading: every method runs on the owning node's loop (the {@link Link} calls its handler
 * there: Vert.x on the node verticle's context, the simulator on its single thread).
 */
public final class PeerConnection implements Eviction.Candidate, Link.Handler, ConnectionInput.Sink {

    private static final Logger LOG = Logger.getLogger(PeerConnection.class.getName());

    private final ConnectionOwner owner;
    private final Link socket;
    private final Direction direction;
    private final String remoteAddress;
    private final String remoteIp;
    private final DialTarget target; // the bootstrap/discovery entry this dial was for; null when inbound
    private final boolean verification; // dialled only to see who listens at an address: never displaces a peer
    private final ConnectionInput input;
    private final ConnectionHandshake handshake;
    private final ConnectionPings pings;
    private final PeerStanding standing;
    private final long openedAtNanos;
    private final Promise<Void> closed = Promise.promise();

    private ConnectionState state = ConnectionState.HANDSHAKING;
    private long handshakeTimer = -1;
    private Message.Hello peerHello;
    private long establishedAtMillis;
    private long establishedAtNanos;
    private CloseCause cause; // set once, by the first close
    private ConnectionState closedFrom; // the state it closed in: a dial that never got established failed
    private CloseCause failedTls; // a dial's TLS alert, the reason when the socket then closes

    PeerConnection(ConnectionOwner owner, Link socket, Direction direction, DialTarget target, boolean verification,
            int maxFrameBytes) {
        this.owner = owner;
        this.socket = socket;
        this.direction = direction;
        this.target = target;
        this.verification = verification;
        this.remoteAddress = socket.remoteAddress();
        this.remoteIp = socket.remoteIp();
        this.pings = new ConnectionPings(this, owner);
        this.standing = new PeerStanding(owner);
        this.input = new ConnectionInput(this, owner.limits(), maxFrameBytes, owner.loop());
        this.handshake = new ConnectionHandshake(this, owner);
        this.openedAtNanos = owner.loop().nanoTime();
    }

    /** Wires the socket's handlers, arms the handshake deadline and, as the dialer, sends hello. */
    void open(long handshakeTimeoutMillis) {
        socket.open(this, owner.limits().maxWriteQueueBytes());
        handshakeTimer = owner.loop().schedule(handshakeTimeoutMillis, () -> {
            handshakeTimer = -1;
            handshake.deadline();
        });
        if (direction == Direction.OUTBOUND) {
            send(owner.ownHello());
        }
    }

    private void moveTo(ConnectionState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException(describe() + ": " + state + " -> " + next);
        }
        if (next == ConnectionState.CLOSED) {
            closedFrom = state;
        }
        state = next;
    }

    @Override
    public void onFailure(LinkFailure failure) {
        switch (failure.kind()) {
            case TLS_OUTBOUND -> {
                // TLS 1.3: a dialer finishes its handshake before the peer checks its certificate, and
                // learns of a refusal (an alert) only now. Keep it as the reason the dial failed.
                if (direction == Direction.OUTBOUND && state == ConnectionState.HANDSHAKING && failedTls == null) {
                    failedTls = CloseCause.of(CloseCause.Kind.TLS_FAILED, failure.detail());
                    owner.observer().protocolError(ProtocolError.TLS_HANDSHAKE_FAILED);
                }
            }
            case TLS_INBOUND -> {
                if (state == ConnectionState.HANDSHAKING) { // not closed for another reason first
                    owner.tlsRefused(this, failure.detail());
                    close(CloseCause.of(CloseCause.Kind.TLS_FAILED, failure.detail()));
                }
            }
            // An I/O error (e.g. connection reset) is followed by a close; onClosed does the work.
            case IO -> LOG.log(Level.FINE, () -> "connection " + remoteAddress + ": " + failure.detail());
        }
    }

    @Override
    public void onData(Buffer chunk, long receivedAtNanos) {
        if (state != ConnectionState.CLOSED) {
            input.feed(chunk, receivedAtNanos);
        }
    }

    @Override
    public void overRate() {
        owner.limitHit(this, Limit.MESSAGE_RATE);
        close(CloseCause.of(CloseCause.Kind.LIMIT, Limit.MESSAGE_RATE.label()));
    }

    @Override
    public boolean message(Message message, Buffer line, boolean canonical) {
        owner.observer().received(message.type(), line.length() + 1);
        if (state == ConnectionState.HANDSHAKING) {
            handshake.onMessage(message);
        } else if (canonical && message.type() == MsgType.PING) {
            long replyAt = owner.loop().nanoTime();
            send(MsgType.PONG, PingLines.pongFor(line)); // the ping's bytes, "ping" turned "pong"
            ConnectionPings.logAnswered(((Message.Ping) message).nonce(), input.receivedAtNanos(), replyAt);
        } else {
            onEstablishedMessage(message);
        }
        return state != ConnectionState.CLOSED;
    }

    /** The owner accepted the hello: as the listener, answer with ours; established now. */
    void accept(Message.Hello hello) {
        peerHello = hello;
        if (direction == Direction.INBOUND) {
            send(owner.ownHello());
        }
        markEstablished();
    }

    /**
     * Holds a crossing dial (see {@link CrossingDials}): an inbound one gets our hello, so that a
     * real peer can resolve the crossing on its side; nothing is read until the owner promotes it
     * or the handshake deadline refuses it.
     */
    void park(Message.Hello hello) {
        peerHello = hello;
        moveTo(ConnectionState.PARKED);
        input.hold();
        socket.pause();
        if (direction == Direction.INBOUND) {
            send(owner.ownHello());
        }
    }

    /**
     * The peer dropped the connection this one duplicated: this one is established now. Then
     * {@link #resumeAfterPromotion} handles what arrived while parked and reads on.
     */
    void promote() {
        markEstablished();
    }

    void resumeAfterPromotion() {
        if (input.release()) {
            socket.resume();
        }
    }

    private void markEstablished() {
        moveTo(ConnectionState.ESTABLISHED);
        establishedAtMillis = owner.loop().currentTimeMillis();
        establishedAtNanos = owner.loop().nanoTime();
        cancelHandshakeTimer();
    }

    private void onEstablishedMessage(Message message) {
        switch (message.type()) {
            case PING -> send(new Message.Pong(((Message.Ping) message).nonce()));
            case PONG -> pings.pong(((Message.Pong) message).nonce(), input.receivedAtNanos());
            case HELLO -> {
                // Tolerated when it repeats the same identity (some minimal peers greet on every
                // connect, whichever side they are); a different identity on one socket is not.
                if (!((Message.Hello) message).nodeId().equals(peerHello.nodeId())) {
                    violation(new ProtocolViolation(ProtocolError.REPEATED_HELLO, "second hello with another nodeid"));
                }
            }
            default -> owner.onMessage(this, message);
        }
    }

    /** Sends the refusal and closes (see {@link ConnectionHandshake#refuse}). */
    void refuse(Admission admission) {
        handshake.refuse(admission);
    }

    @Override
    public void violation(ProtocolViolation v) {
        owner.violated(this, v);
        close(CloseCause.of(CloseCause.Kind.PROTOCOL_ERROR, v.error().label()));
    }

    /** Writes one message as one write. Ignored once closed. */
    void send(Message message) {
        if (state != ConnectionState.CLOSED) {
            send(message.type(), MessageCodec.encode(message));
        }
    }

    /** Writes a message already encoded (one line for many peers). Ignored once closed. */
    void send(MsgType type, Buffer line) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        boolean fits = socket.write(line);
        owner.observer().sent(type, line.length());
        // Only a live link with a full queue is a slow reader (see Link#write).
        if (!fits) {
            // The peer does not read what we send: drop it before it costs unbounded memory.
            owner.limitHit(this, Limit.WRITE_QUEUE);
            close(CloseCause.of(CloseCause.Kind.LIMIT, Limit.WRITE_QUEUE.label()));
        }
    }

    /**
     * Closes the socket after what was already written (e.g. a bye) is flushed. The future
     * completes once the owner was told ({@link ConnectionOwner#closed}), not merely when the
     * socket is closed, so that a stopping node has let go of every connection when it is done.
     * The first cause given is the one kept.
     */
    Future<Void> close(CloseCause why) {
        if (state != ConnectionState.CLOSED) {
            cause = why;
            moveTo(ConnectionState.CLOSED);
            cancelHandshakeTimer();
        }
        socket.close();
        return closed.future();
    }

    @Override
    public void onClosed() {
        if (cause == null) {
            cause = failedTls != null ? failedTls : CloseCause.of(CloseCause.Kind.PEER_CLOSED);
        }
        if (state != ConnectionState.CLOSED) {
            moveTo(ConnectionState.CLOSED);
        }
        cancelHandshakeTimer();
        try {
            owner.closed(this);
        } finally {
            closed.tryComplete();
        }
    }

    private void cancelHandshakeTimer() {
        if (handshakeTimer >= 0) {
            owner.loop().cancel(handshakeTimer);
            handshakeTimer = -1;
        }
    }

    String describe() {
        return direction.label() + " connection " + remoteAddress + (peerHello == null ? "" : " (node " + peerHello.nodeId() + ")");
    }

    // ---------------------------------------------------------------- read-only views

    @Override public ConnectionState state() { return state; }
    @Override public Direction direction() { return direction; }
    public String remoteAddress() { return remoteAddress; }
    @Override public String remoteIp() { return remoteIp; }
    DialTarget target() { return target; }
    public Message.Hello peerHello() { return peerHello; }
    public String nodeId() { return peerHello == null ? null : peerHello.nodeId(); }
    public long establishedAtMillis() { return establishedAtMillis; }
    @Override public long establishedAtNanos() { return establishedAtNanos; }
    public long openedAtNanos() { return openedAtNanos; }
    /** Why it closed; null while open. */
    public CloseCause cause() { return cause; }
    /** The cause as text (logs, a dial target's problem); null while open. */
    public String closeReason() { return cause == null ? null : cause.describe(); }
    public boolean peerSaidBye() { return cause != null && cause.kind() == CloseCause.Kind.PEER_BYE; }
    /** True once the peer closed this connection (without bye) or refused it as a duplicate. */
    boolean droppedByPeer() { return cause != null && cause.droppedByPeer(); }
    /** The state it was in when it closed; null while open. */
    ConnectionState closedFrom() { return closedFrom; }
    boolean verification() { return verification; }
    PeerStanding standing() { return standing; }
    @Override public boolean admittedByEviction() { return standing.admittedByEviction(); }
    @Override public boolean penalised() { return standing.penalised(); }
    @Override public int knownOtherPeers() {
        Integer said = peerHello == null ? null : peerHello.peerCount();
        return Math.max(said == null ? 0 : said, standing.reportedPeers());
    }
    @Override public double smoothedRttNanos() { return pings.tracker().smoothedRttNanos(); }
    /** Its pings, round trips and liveness. */
    ConnectionPings pings() { return pings; }
}
