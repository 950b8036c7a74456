package io.peermesh.node;

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

    NodeObserver NONE = new NodeObserver() {
    };
}
