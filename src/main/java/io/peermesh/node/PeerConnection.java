package io.peermesh.node;

import io.peermesh.runtime.Link;
import io.peermesh.runtime.LinkFailure;
import io.peermesh.runtime.TokenBucket;
import io.peermesh.wire.LineFramer;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.PingLines;
import io.peermesh.wire.ProtocolError;
import io.peermesh.wire.ProtocolViolation;
import io.peermesh.wire.RejectReason;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One TCP connection to a peer and its handshake state machine ({@link ConnectionState}).
 * It frames and decodes input, runs the hello exchange, answers pings and matches pongs itself,
 * and hands every node-level decision to its {@link ConnectionOwner}.
 *
 * <p>Threading: every method runs on the owning node's loop (the {@link Link} calls its handler
 * there: Vert.x on the node verticle's context, the simulator on its single thread).
 */
public final class PeerConnection implements Eviction.Candidate, Link.Handler {

    private static final Logger LOG = Logger.getLogger(PeerConnection.class.getName());
    /** One line per round trip at FINE (DEBUG in Quarkus): what the benchmark's rttproc section reads. */
    private static final Logger RTT_LOG = Logger.getLogger("io.peermesh.rtt");

    private final ConnectionOwner owner;
    private final Link socket;
    private final Direction direction;
    private final String remoteAddress;
    private final String remoteIp;
    private final TokenBucket messageBudget;
    private final DialTarget target; // the bootstrap/discovery entry this dial was for; null when inbound
    private final LineFramer framer;
    private final PingTracker pings;
    private final long openedAtNanos;
    private long receivedAtNanos; // when the transport read the chunk being framed (Link.Handler#onData)

    private ConnectionState state = ConnectionState.HANDSHAKING;
    private long handshakeTimer = -1;
    private Message.Hello peerHello;
    private long establishedAtMillis;
    private String closeReason;
    private boolean peerSaidBye;
    private long establishedAtNanos;
    private boolean addrExpected; // we sent getaddr; the next addr is its answer, exempt from the rate limit
    private boolean parked; // a crossing dial waiting for the peer to drop the registered connection (CrossingDials)
    private java.util.List<Buffer> heldWhileParked;
    private boolean verification; // dialled only to see who listens at an address: never displaces a peer
    private boolean droppedByPeer; // the peer closed it (no bye) or refused it as a duplicate
    private boolean admittedByEviction; // a full node let it in by dropping another peer (Eviction)
    private boolean penalised; // arrived from an address with offences on record (Penalties): evicted first
    private int reportedPeers; // entries in the peer's latest answer to our getaddr: its other live peers
    private TokenBucket addrBudget;
    private final io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();

    PeerConnection(ConnectionOwner owner, Link socket, Direction direction, DialTarget target, int maxFrameBytes) {
        this.owner = owner;
        this.socket = socket;
        this.direction = direction;
        this.target = target;
        this.remoteAddress = socket.remoteAddress();
        this.remoteIp = socket.remoteIp();
        this.pings = new PingTracker(owner.loop().random(), owner.pingFollowUp());
        LimitsConfig limits = owner.limits();
        this.messageBudget = new TokenBucket(limits.messageRate(), limits.messageBurst(), owner.loop().nanoTime());
        this.framer = new LineFramer(maxFrameBytes);
        this.openedAtNanos = owner.loop().nanoTime();
    }

    /** Wires the socket's handlers, arms the handshake deadline and, as the dialer, sends hello. */
    void open(long handshakeTimeoutMillis) {
        socket.open(this, owner.limits().maxWriteQueueBytes());
        handshakeTimer = owner.loop().schedule(handshakeTimeoutMillis, this::onHandshakeDeadline);
        if (direction == Direction.OUTBOUND) {
            send(owner.ownHello());
        }
    }

    @Override
    public void onFailure(LinkFailure failure) {
        switch (failure.kind()) {
            case TLS_OUTBOUND -> {
                // TLS 1.3: a dialer finishes its handshake before the peer checks its certificate, and
                // learns of a refusal (an alert) only now. Keep it as the reason the dial failed.
                if (direction == Direction.OUTBOUND && state == ConnectionState.HANDSHAKING && closeReason == null) {
                    closeReason = "TLS: " + failure.detail();
                    owner.observer().protocolError(ProtocolError.TLS_HANDSHAKE_FAILED);
                }
            }
            case TLS_INBOUND -> {
                if (state == ConnectionState.HANDSHAKING) { // not closed for another reason first
                    owner.tlsRefused(this, failure.detail());
                    close("TLS handshake failed: " + failure.detail());
                }
            }
            // An I/O error (e.g. connection reset) is followed by a close; onClosed does the work.
            case IO -> LOG.log(Level.FINE, () -> "connection " + remoteAddress + ": " + failure.detail());
        }
    }

    @Override
    public void onClosed() {
        onSocketClosed();
    }

    @Override
    public void onData(Buffer chunk, long receivedAtNanos) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        this.receivedAtNanos = receivedAtNanos;
        try {
            framer.feed(chunk, this::onLine);
        } catch (ProtocolViolation v) {
            violation(v);
        }
    }

    private boolean onLine(Buffer line) {
        if (parked) {
            // Reading is paused while parked; these are lines of the read that carried the hello.
            // Copied: the read's memory belongs to the transport.
            heldWhileParked.add(line.copy());
            return true;
        }
        if (messageBudget.take(1, owner.loop().nanoTime()) == 0) {
            owner.limitHit(this, Limit.MESSAGE_RATE);
            close("limit " + Limit.MESSAGE_RATE.label());
            return false;
        }
        // Pings and pongs as this node writes them skip the general decoder (PingLines, issue #16).
        Message message = PingLines.parse(line);
        boolean canonical = message != null;
        if (!canonical) {
            try {
                message = MessageCodec.decode(line);
            } catch (ProtocolViolation v) {
                violation(v);
                return false;
            }
        }
        owner.observer().received(message.type(), line.length() + 1);
        if (state == ConnectionState.HANDSHAKING) {
            onHandshakeMessage(message);
        } else if (canonical && message.type() == MsgType.PING) {
            long replyAt = owner.loop().nanoTime();
            send(MsgType.PONG, PingLines.pongFor(line)); // the ping's bytes, "ping" turned "pong"
            if (RTT_LOG.isLoggable(Level.FINE)) {
                // The answering side's share of a round trip: with the asker's line below (both
                // are CLOCK_MONOTONIC on Linux, shared by the processes of a host) the benchmark
                // splits a round trip into way out, this node's turn and way back.
                RTT_LOG.fine("ping_in nonce=" + ((Message.Ping) message).nonce() + " rx_ns=" + receivedAtNanos
                        + " tx_ns=" + replyAt);
            }
        } else {
            onEstablishedMessage(message);
        }
        return state != ConnectionState.CLOSED;
    }

    private void onHandshakeMessage(Message message) {
        if (message instanceof Message.Hello hello) {
            Admission admission = owner.admit(this, hello);
            if (admission.parked()) {
                park(hello);
                return;
            }
            if (!admission.accepted()) {
                owner.observer().handshake(admission.result());
                refuse(admission);
                return;
            }
            peerHello = hello;
            if (direction == Direction.INBOUND) {
                send(owner.ownHello());
            }
            markEstablished();
            owner.established(this, admission);
        } else if (message instanceof Message.Reject reject && direction == Direction.OUTBOUND) {
            owner.refusedByPeer(this, reject);
            close("refused by peer: " + reject.reason() + (reject.detail() == null ? "" : " (" + reject.detail() + ")"));
        } else {
            owner.observer().handshake(HandshakeResult.REFUSED);
            violation(new ProtocolViolation(ProtocolError.MESSAGE_BEFORE_HANDSHAKE,
                    message.type().label() + " before hello"));
        }
    }

    /** Sends the refusal and closes. */
    void refuse(Admission admission) {
        send(new Message.Reject(admission.reason().label(), admission.detail(), owner.ownHello().nodeId(),
                admission.peers()));
        close("handshake refused: " + admission.reason().label()
                + (admission.detail() == null ? "" : " (" + admission.detail() + ")"));
    }

    /**
     * Holds a crossing dial (see {@link CrossingDials}): an inbound one gets our hello, so that a
     * real peer can resolve the crossing on its side; nothing is read until the owner promotes it
     * or the handshake deadline refuses it.
     */
    private void park(Message.Hello hello) {
        peerHello = hello;
        parked = true;
        heldWhileParked = new java.util.ArrayList<>();
        socket.pause();
        if (direction == Direction.INBOUND) {
            send(owner.ownHello());
        }
    }

    /** The peer dropped the connection this one duplicated: this one is established now, and reads on. */
    void promote() {
        parked = false;
        markEstablished();
    }

    /** After {@link #promote}: handles what arrived while parked, then resumes reading. */
    void resumeAfterPromotion() {
        java.util.List<Buffer> held = heldWhileParked;
        heldWhileParked = null;
        for (Buffer line : held) {
            if (!onLine(line)) {
                return;
            }
        }
        socket.resume();
    }

    private void markEstablished() {
        state = ConnectionState.ESTABLISHED;
        establishedAtMillis = owner.loop().currentTimeMillis();
        establishedAtNanos = owner.loop().nanoTime();
        cancelHandshakeTimer();
    }

    private void onEstablishedMessage(Message message) {
        switch (message.type()) {
            case PING -> send(new Message.Pong(((Message.Ping) message).nonce()));
            case PONG -> {
                // Ends at the transport's read of the pong (Link.Handler#onData), not after framing and decoding.
                long rtt = pings.answer(((Message.Pong) message).nonce(), receivedAtNanos,
                        owner.loop().currentTimeMillis(), owner.rttSampling());
                if (rtt >= 0) {
                    boolean lead = pings.answeredLead();
                    if (lead) {
                        sendPing(true); // the link's sample: both ends awake now (PingTracker)
                    }
                    // The histogram takes every ping, the lead too: a peer slow to answer (CPU
                    // starved, paused) shows in its tail and the RTT alert, though the follow-up,
                    // sent while it is running, would not show it.
                    owner.observer().pingRoundTrip(rtt);
                    if (RTT_LOG.isLoggable(Level.FINE)) {
                        RTT_LOG.fine("rtt_ns=" + rtt + " peer=" + nodeId() + (lead ? " lead" : "") + " nonce="
                                + ((Message.Pong) message).nonce() + " rx_ns=" + receivedAtNanos);
                    }
                }
            }
            case HELLO -> {
                // Tolerated when it repeats the same identity (some minimal peers greet on every
                // connect, whichever side they are); a different identity on one socket is not.
                if (!((Message.Hello) message).nodeId().equals(peerHello.nodeId())) {
                    violation(new ProtocolViolation(ProtocolError.REPEATED_HELLO, "second hello with another nodeid"));
                }
            }
            case BYE -> {
                peerSaidBye = true;
                owner.onMessage(this, message);
            }
            case REJECT -> {
                // After the handshake: the peer resolved a crossing dial by refusing this connection.
                droppedByPeer = RejectReason.fromWire(((Message.Reject) message).reason()) == RejectReason.DUPLICATE;
                owner.onMessage(this, message);
            }
            default -> owner.onMessage(this, message);
        }
    }

    private void violation(ProtocolViolation v) {
        owner.violated(this, v);
        close("protocol error " + v.error().label());
    }

    private void onHandshakeDeadline() {
        handshakeTimer = -1;
        if (parked) {
            owner.parkingExpired(this);
        } else if (state == ConnectionState.HANDSHAKING) {
            owner.handshakeTimedOut(this);
            close("handshake timeout");
        }
    }

    /** When this peer becomes overdue (its oldest unanswered ping times out); MAX_VALUE if none is pending. */
    long overdueAtNanos(long timeoutNanos) {
        return state == ConnectionState.ESTABLISHED ? pings.overdueAtNanos(timeoutNanos) : Long.MAX_VALUE;
    }

    /** True when the peer is established and its oldest unanswered ping has timed out. */
    boolean overdue(long nowNanos, long timeoutNanos) {
        return state == ConnectionState.ESTABLISHED && pings.overdue(nowNanos, timeoutNanos);
    }

    /** Sends a ping if the peer is established; returns false if the peer is overdue and was closed. */
    boolean pingOrExpire(long nowNanos, long timeoutNanos) {
        if (state != ConnectionState.ESTABLISHED) {
            return true;
        }
        if (pings.overdue(nowNanos, timeoutNanos)) {
            return false;
        }
        sendPing(false);
        return true;
    }

    private void sendPing(boolean followUp) {
        // The round trip starts here, per peer, right before the write: the scheduler's hop onto
        // the loop and the round's other peers are not in it (issue #16).
        String nonce = pings.start(owner.loop().nanoTime(), followUp);
        if (nonce != null) {
            send(MsgType.PING, PingLines.ping(nonce));
        }
    }

    /** Writes one message as one write. Ignored once closed. */
    void send(Message message) {
        if (state != ConnectionState.CLOSED) {
            send(message.type(), MessageCodec.encode(message));
        }
    }

    /** Writes a message already encoded (one line for many peers). Ignored once closed. */
    void send(io.peermesh.wire.MsgType type, Buffer line) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        boolean fits = socket.write(line);
        owner.observer().sent(type, line.length());
        // Only a live link with a full queue is a slow reader (see Link#write).
        if (!fits) {
            // The peer does not read what we send: drop it before it costs unbounded memory.
            owner.limitHit(this, Limit.WRITE_QUEUE);
            close("limit " + Limit.WRITE_QUEUE.label());
        }
    }

    /**
     * Closes the socket after what was already written (e.g. a bye) is flushed. The future
     * completes once the owner was told ({@link ConnectionOwner#closed}), not merely when the
     * socket is closed, so that a stopping node has let go of every connection when it is done.
     */
    Future<Void> close(String reason) {
        if (state != ConnectionState.CLOSED) {
            closeReason = reason;
            state = ConnectionState.CLOSED;
            cancelHandshakeTimer();
        }
        socket.close();
        return closed.future();
    }

    private void onSocketClosed() {
        if (closeReason == null) {
            closeReason = peerSaidBye ? "peer said bye" : "closed by peer";
            droppedByPeer |= !peerSaidBye;
        }
        state = ConnectionState.CLOSED;
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

    /** When the peer last proved alive: its last pong, or the handshake before one. */
    long lastHeardNanos() {
        return Math.max(establishedAtNanos, pings.lastPongNanos());
    }

    /** True when the peer proved alive (handshake or pong) within {@code windowNanos}. */
    boolean aliveWithin(long nowNanos, long windowNanos) {
        return state == ConnectionState.ESTABLISHED && nowNanos - lastHeardNanos() < windowNanos;
    }

    void expectAddr() {
        addrExpected = true;
    }

    /** Whether an addr now would answer our getaddr (without clearing the expectation). */
    boolean addrExpected() {
        return addrExpected;
    }

    /** Whether an addr was expected (answering our getaddr); clears the expectation. */
    boolean takeExpectedAddr() {
        boolean was = addrExpected;
        addrExpected = false;
        return was;
    }

    TokenBucket addrBudget() {
        if (addrBudget == null) {
            addrBudget = owner.addrBucket();
        }
        return addrBudget;
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
    public String closeReason() { return closeReason; }
    public boolean peerSaidBye() { return peerSaidBye; }
    /** True once the peer closed this connection (without bye) or refused it as a duplicate. */
    boolean droppedByPeer() { return droppedByPeer; }
    boolean parked() { return parked; }
    @Override public boolean admittedByEviction() { return admittedByEviction; }
    void markAdmittedByEviction() { admittedByEviction = true; }
    @Override public boolean penalised() { return penalised; }
    void markPenalised() { penalised = true; }
    void reportedPeers(int count) { reportedPeers = count; }
    @Override public int knownOtherPeers() {
        Integer said = peerHello == null ? null : peerHello.peerCount();
        return Math.max(said == null ? 0 : said, reportedPeers);
    }
    @Override public double smoothedRttNanos() { return pings.smoothedRttNanos(); }
    boolean verification() { return verification; }
    /** This outbound connection only checks who listens at its address; it never displaces a peer. */
    void markVerification() { verification = true; }
    PingTracker pings() { return pings; }
}
