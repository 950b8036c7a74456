package io.peermesh.node.view;

/**
 * A dial target as shown in diagnostics: address, source, state, node last seen there, failures,
 * last problem, and its gray-link kind ({@link LinkProblem#label()}, null when none).
 */
public record TargetStatus(String address, String source, String state, String nodeId, int failures, String problem,
        String link) {
}
