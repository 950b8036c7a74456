package io.peermesh.node.events;

import io.peermesh.wire.MsgType;
import io.peermesh.wire.ProtocolError;

/**
 * What a node reports as it works; the metrics binding implements it. Called on the node's event
 * loop, so implementations must be cheap and must not block.
 */
public interface NodeObserver {

    default void dialed(DialResult result) {
    }

    default void handshake(HandshakeResult result) {
    }

    default void received(MsgType type, int bytes) {
    }

    default void sent(MsgType type, int bytes) {
    }

    default void pingRoundTrip(long nanos) {
    }

    default void peerTimedOut() {
    }

    default void protocolError(ProtocolError reason) {
    }

    /** A limit refused a connection or closed one. */
    default void limitHit(Limit limit) {
    }

    default void discoveryLookup(io.peermesh.discovery.LookupStatus result) {
    }

    /** A dial target became a gray link of this kind. */
    default void linkProblem(LinkProblem problem) {
    }

    /** {@code count} addr entries were dropped: {@code invalid} or {@code rate_limited}. */
    default void addrEntriesDropped(AddrDrop reason, int count) {
    }

    /** A member's suspicion ended: {@code confirmed} (declared dead) or refuted (back alive). */
    default void suspicionEnded(boolean confirmed) {
    }

    /** Metadata a peer sent was dropped, not stored. */
    default void metadataDropped(io.peermesh.wire.MetadataDrop reason) {
    }

    /** A broadcast was published here or delivered here. */
    default void broadcast(BroadcastOutcome outcome) {
    }

    /** A broadcast from a peer was dropped. */
    default void broadcastDropped(io.peermesh.broadcast.BroadcastDrop reason) {
    }

    NodeObserver NONE = new NodeObserver() {
    };
}
