package io.peermesh.node;

import java.util.List;

/**
 * Whether the node is ready (at least {@code minPeers} handshaked peers, listening, not stopping)
 * and, when it is not, why: {@code reason} is one sentence, {@code problems} the per-address detail.
 */
public record Readiness(boolean ready, int peers, int minPeers, String reason, List<String> problems) {

    static final Readiness STARTING = new Readiness(false, 0, 0, "node is starting", List.of());
}
