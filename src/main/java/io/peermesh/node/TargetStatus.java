package io.peermesh.node;

/** A dial target as shown in diagnostics: address, source, state, node last seen there, failures, last problem. */
public record TargetStatus(String address, String source, String state, String nodeId, int failures, String problem) {
}
