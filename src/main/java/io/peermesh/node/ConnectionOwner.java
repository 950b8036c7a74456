package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.runtime.TokenBucket;
import io.peermesh.wire.Message;
import io.peermesh.wire.ProtocolViolation;

/** What a {@link PeerConnection} asks of the node that owns it. Called on the node's loop. */
interface ConnectionOwner {

    /** Decides on the peer's hello (for a dialer: on the listener's answer). */
    Admission admit(PeerConnection connection, Message.Hello hello);

    /** A parked crossing dial (see {@link CrossingDials}) reached its handshake deadline still parked. */
    void parkingExpired(PeerConnection connection);

    /** The handshake completed and was accepted; the connection is now ESTABLISHED. */
    void established(PeerConnection connection, Admission admission);

    /** The listener refused our hello (only outbound connections receive this). */
    void refusedByPeer(PeerConnection connection, Message.Reject reject);

    /** A message after the handshake that the connection does not handle itself (getaddr, addr, bye, ...). */
    void onMessage(PeerConnection connection, Message message);

    /** The socket closed, for whatever reason; called exactly once per connection. */
    void closed(PeerConnection connection);

    NodeObserver observer();

    /** The node's time, timers and randomness. */
    io.peermesh.runtime.Loop loop();

    /** An inbound connection failed this node's TLS handshake and is being closed: counted, logged (rate limited). */
    void tlsRefused(PeerConnection connection, String why);

    /** A limit closed this connection (counted and logged by the owner). */
    void limitHit(PeerConnection connection, Limit limit);

    LimitsConfig limits();

    /** Whether pings go in pairs, the second the sample ({@code p2p.ping-follow-up}, see PingTracker). */
    boolean pingFollowUp();

    /**
     * False while the node's own start is under way (PeerNode#holdRttSamples: the RTT warm-up still
     * runs): a round trip then measures this JVM's start, not the link, so it is no sample.
     */
    boolean rttSampling();

    /**
     * The connection broke the protocol and is being closed: the owner counts it, logs it (rate
     * limited: a flood of bad connections must not flood the log) and may refuse its source for a while.
     */
    void violated(PeerConnection connection, ProtocolViolation violation);

    /** The connection did not complete its handshake in time and is being closed: counted, logged (rate limited). */
    void handshakeTimedOut(PeerConnection connection);

    /** A fresh addr rate limiter for a new peer. */
    TokenBucket addrBucket();

    /** Our own hello, sent first by a dialer and as the answer by a listener. */
    Message.Hello ownHello();
}
