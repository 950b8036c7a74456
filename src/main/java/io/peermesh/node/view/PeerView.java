package io.peermesh.node.view;

/**
 * One peer as {@code GET /peers} shows it. Times are ISO-8601 instants; RTTs in milliseconds and
 * null until the first pong: the last, the smoothed (RFC 6298, alpha 1/8), the minimum of the last
 * 5 minutes and the RFC 3550 jitter of consecutive round trips (null before the second pong).
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
        Double minRttMillis,
        Double jitterMillis,
        int pingsInFlight,
        Integer version,
        String network) {
}
