package io.peermesh.node.view;

import java.util.List;

/**
 * Whether the node is ready (at least {@code minPeers} handshaked peers, listening, not stopping)
 * and, when it is not, why: {@code reason} is one sentence, {@code problems} the per-address detail.
 * {@code dns} is the last DNS discovery outcome ({@code ok|empty|failed: detail}), shown whether
 * ready or not, so a failing DNS is visible before it matters; null without DNS discovery.
 * {@code links} names the gray links ({@link LinkProblem}), ready or not: a mesh that works can
 * still have an address that accepts and never answers, or a peer reachable one way only.
 */
public record Readiness(boolean ready, int peers, int minPeers, String reason, List<String> problems, String dns,
        List<String> links) {

    public static final Readiness STARTING = new Readiness(false, 0, 0, "node is starting", List.of(), null, List.of());
}
