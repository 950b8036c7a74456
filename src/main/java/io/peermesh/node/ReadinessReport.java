package io.peermesh.node;

import io.peermesh.discovery.LookupResult;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.view.Readiness;
import io.peermesh.node.view.TargetStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the node's state into a {@link Readiness} that explains itself: a node that is not ready
 * says whether it has nothing to discover from, whether DNS is empty, failing or lists only
 * itself, which addresses refuse or time out, or which refused the handshake and why.
 */
final class ReadinessReport {

    private ReadinessReport() {
    }

    /**
     * The targets are asked for only when the node is not ready: they are a list of every known
     * address, and a forming mesh calls this after every handshake (building it each time was 5%
     * of a 100-node mesh's CPU, JFR).
     */
    static Readiness of(boolean listening, boolean stopping, int peers, NodeConfig config,
            java.util.function.Supplier<List<TargetStatus>> targetList, DnsOutcome dns, List<String> links) {
        int min = config.minPeers();
        LookupResult lookup = dns.last();
        String dnsState = config.discovery().dns() == null ? null
                : lookup == null ? "pending" : lookup.status().label() + ": " + lookup.detail();
        if (stopping) {
            return new Readiness(false, peers, min, "node is shutting down", List.of(), dnsState, links);
        }
        if (!listening) {
            return new Readiness(false, peers, min, "peer server is not listening yet", List.of(), dnsState, links);
        }
        if (peers >= min) {
            return new Readiness(true, peers, min, null, List.of(), dnsState, links);
        }
        List<TargetStatus> targets = targetList.get();
        List<String> problems = new ArrayList<>();
        int self = 0;
        for (TargetStatus t : targets) {
            if ("self".equals(t.state())) {
                self++;
            } else if (t.problem() != null && !"connected".equals(t.state())) { // a connected one-way link is in links
                problems.add(t.problem());
            }
        }
        String dnsName = config.discovery().dns();
        String reason;
        if (config.bootstrap().isEmpty() && dnsName == null && targets.isEmpty()) {
            reason = "nothing to discover from: neither p2p.bootstrap nor p2p.discovery.dns is set, "
                    + "so this node only waits for peers to dial it";
        } else if (dnsName != null && lookup != null && targets.size() == self && problems.isEmpty()) {
            reason = switch (lookup.status()) {
                case FAILED -> "DNS failing: " + lookup.detail();
                case EMPTY -> "DNS empty: " + dnsName + " has no addresses yet (" + lookup.detail() + ")";
                case OK -> dns.onlySelf() ? "only itself found: " + dnsName + " lists only this node's address"
                        : peers + " of " + min + " required peers; dialling what " + dnsName + " lists";
            };
        } else if (dnsName != null && lookup == null && targets.isEmpty()) {
            reason = "looking up " + dnsName;
        } else if (self > 0 && self == targets.size()) {
            reason = "only itself found: every address it was given leads back to this node";
        } else if (!problems.isEmpty()) {
            reason = peers + " of " + min + " required peers; cannot reach the others (see problems)";
        } else {
            reason = peers + " of " + min + " required peers; dialling " + (targets.size() - self) + " address(es)";
        }
        if (dnsName != null && lookup != null && lookup.status() == io.peermesh.discovery.LookupStatus.FAILED
                && !reason.startsWith("DNS failing")) {
            problems.add(0, "DNS failing: " + lookup.detail());
        }
        return new Readiness(false, peers, min, reason, List.copyOf(problems), dnsState, links);
    }
}
