package io.peermesh.node;

import io.peermesh.wire.HostPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Handshaked peers by node id: at most one registered connection per peer. A peer leaves only
 * when its registered connection closes ({@link #removeIfRegistered}), never because some other
 * connection with the same node id closed.
 *
 * <p>Threading: mutated on the node's event loop; the counts are volatile so health checks and
 * metric scrapes on other threads read them without hopping.
 */
final class PeerTable {

    private final Map<String, PeerConnection> byNodeId = new HashMap<>();
    private final Map<HostPort, String> nodeIdByListen = new HashMap<>();
    private volatile int inbound;
    private volatile int outbound;

    PeerConnection get(String nodeId) {
        return byNodeId.get(nodeId);
    }

    /** Registers an established connection, replacing any earlier one of the same peer. */
    void register(PeerConnection connection) {
        PeerConnection previous = byNodeId.put(connection.nodeId(), connection);
        if (previous != null) {
            forgetListen(previous);
        }
        HostPort listen = listenOf(connection);
        // An inbound hello's listen is a claim; what we dialled is evidence and wins.
        if (listen != null && (connection.direction() == Direction.OUTBOUND || !nodeIdByListen.containsKey(listen))) {
            nodeIdByListen.put(listen, connection.nodeId());
        }
        recount();
    }

    /** Removes the peer if this is its registered connection; returns whether it was. */
    boolean removeIfRegistered(PeerConnection connection) {
        String nodeId = connection.nodeId();
        if (nodeId == null || byNodeId.get(nodeId) != connection) {
            return false;
        }
        byNodeId.remove(nodeId);
        forgetListen(connection);
        recount();
        return true;
    }

    String nodeIdListeningAt(HostPort listen) {
        return nodeIdByListen.get(listen);
    }

    List<PeerConnection> connections() {
        return new ArrayList<>(byNodeId.values());
    }

    int size() {
        return inbound + outbound;
    }

    int count(Direction direction) {
        return direction == Direction.INBOUND ? inbound : outbound;
    }

    static HostPort listenOf(PeerConnection c) {
        return c.peerHello() == null || c.peerHello().listen() == null
                ? null : HostPort.parse(c.peerHello().listen()).orElse(null);
    }

    private void forgetListen(PeerConnection c) {
        HostPort listen = listenOf(c);
        if (listen != null && c.nodeId().equals(nodeIdByListen.get(listen))) {
            nodeIdByListen.remove(listen);
        }
    }

    private void recount() {
        int in = 0;
        for (PeerConnection c : byNodeId.values()) {
            if (c.direction() == Direction.INBOUND) {
                in++;
            }
        }
        inbound = in;
        outbound = byNodeId.size() - in;
    }
}
