package io.peermesh.node;

/**
 * One peer as {@code GET /peers} shows it. Times are ISO-8601 instants; RTTs in milliseconds and
 * null until the first pong.
 */
public record PeerView(
        String nodeid,
        String remoteAddress,
        String listenAddress,
        String direction,
        String connectedSince,
        String lastPong,
        Double lastRttMillis,
        Double smoothedRttMillis,
        int pingsInFlight,
        Integer version,
        String network) {
}
