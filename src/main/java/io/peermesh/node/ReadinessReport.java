package io.peermesh.node;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the node's state into a {@link Readiness} that explains itself: a node that is not ready
 * says whether it has nothing to dial, which addresses refuse or time out, or which refused the
 * handshake and why.
 */
final class ReadinessReport {

    private ReadinessReport() {
    }

    static Readiness of(boolean listening, boolean stopping, int peers, NodeConfig config, List<TargetStatus> targets) {
        int min = config.minPeers();
        if (stopping) {
            return new Readiness(false, peers, min, "node is shutting down", List.of());
        }
        if (!listening) {
            return new Readiness(false, peers, min, "peer server is not listening yet", List.of());
        }
        if (peers >= min) {
            return new Readiness(true, peers, min, null, List.of());
        }
        List<String> problems = new ArrayList<>();
        int self = 0;
        for (TargetStatus t : targets) {
            if ("self".equals(t.state())) {
                self++;
            } else if (t.problem() != null) {
                problems.add(t.problem());
            }
        }
        String reason;
        if (targets.isEmpty()) {
            reason = "nothing to discover from: p2p.bootstrap is empty, so this node only waits for peers to dial it";
        } else if (self == targets.size()) {
            reason = "only itself found: every bootstrap address leads back to this node";
        } else if (!problems.isEmpty()) {
            reason = peers + " of " + min + " required peers; cannot reach the others (see problems)";
        } else {
            reason = peers + " of " + min + " required peers; dialling " + (targets.size() - self) + " address(es)";
        }
        return new Readiness(false, peers, min, reason, List.copyOf(problems));
    }
}
