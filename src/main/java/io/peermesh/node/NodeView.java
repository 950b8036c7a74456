package io.peermesh.node;

/** This node as {@code GET /node} shows it. */
public record NodeView(
        String nodeid,
        String listen,
        String bind,
        String network,
        int protocolVersion,
        int peers,
        int minPeers,
        boolean ready,
        String startedAt) {
}
