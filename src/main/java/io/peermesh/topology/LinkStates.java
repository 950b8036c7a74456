package io.peermesh.topology;

import io.peermesh.node.view.TargetStatus;
import io.peermesh.wire.LinkState;

/**
 * Names why a dial target is not connected, in the words of the topology page (issue #14). Reads the
 * target's state and gray-link kind, and for a failing target the problem sentence the dialer wrote
 * for readiness (this codebase's own sentences, e.g. "dial to 10.0.0.7:5999 refused: nothing listens
 * there", "TLS handshake with ... failed", "handshake ... failed: refused by peer: full"): it is the
 * one place the dial outcome is kept, and classifying it here keeps the dialer untouched. Pure.
 */
final class LinkStates {

    private LinkStates() {
    }

    /** The state to report for a target, or null when it is not a missing link (connected, self, departed). */
    static LinkState of(TargetStatus t) {
        if ("one_way".equals(t.link())) {
            return LinkState.ONE_WAY;
        }
        if ("no_hello".equals(t.link())) {
            return LinkState.NO_HELLO;
        }
        switch (t.state()) {
            case "connected", "self", "departed" -> {
                return null;
            }
            default -> {
                // a failing or waiting target: below
            }
        }
        String p = t.problem() == null ? "" : t.problem();
        if (p.contains("TLS")) {
            return LinkState.TLS;
        }
        int byPeer = p.indexOf("refused by peer: ");
        if (byPeer >= 0) {
            return p.startsWith("full", byPeer + "refused by peer: ".length()) ? LinkState.FULL : LinkState.REJECTED;
        }
        if (p.contains("refused")) {
            return LinkState.REFUSED;
        }
        if (p.contains("timed out") || p.contains("timeout")) {
            return LinkState.TIMEOUT;
        }
        if ("backoff".equals(t.state())) {
            return LinkState.BACKOFF;
        }
        return t.failures() > 0 ? LinkState.BACKOFF : LinkState.DIALING;
    }
}
