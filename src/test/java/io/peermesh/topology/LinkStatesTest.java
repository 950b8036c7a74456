package io.peermesh.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.peermesh.node.view.TargetStatus;
import io.peermesh.wire.LinkState;
import org.junit.jupiter.api.Test;

/** The page's reasons from the dialer's own sentences (VertxTransport, PeerEvents, PeerConnection). */
class LinkStatesTest {

    private static TargetStatus t(String state, int failures, String problem, String link) {
        return new TargetStatus("10.0.0.7:5999", "dns", state, null, failures, problem, link);
    }

    @Test
    void eachDialOutcomeHasItsReason() {
        assertEquals(LinkState.REFUSED, LinkStates.of(t("backoff", 1, "dial to 10.0.0.7:5999 refused: nothing listens there", null)));
        assertEquals(LinkState.TIMEOUT, LinkStates.of(t("backoff", 2, "dial to 10.0.0.7:5999 timed out (p2p.connect-timeout)", null)));
        assertEquals(LinkState.TLS, LinkStates.of(t("backoff", 1,
                "TLS handshake with 10.0.0.7:5999 failed: TLS: the peer refused this node's certificate", null)));
        assertEquals(LinkState.FULL, LinkStates.of(t("backoff", 1,
                "handshake with 10.0.0.7:5999 failed: refused by peer: full (at p2p.max-peers)", null)));
        assertEquals(LinkState.REJECTED, LinkStates.of(t("backoff", 1,
                "handshake with 10.0.0.7:5999 failed: refused by peer: network_mismatch (other)", null)));
        assertEquals(LinkState.BACKOFF, LinkStates.of(t("backoff", 1, "dial to 10.0.0.7:5999 failed: unknown host", null)));
        assertEquals(LinkState.DIALING, LinkStates.of(t("waiting", 0, null, null)));
        assertEquals(LinkState.DIALING, LinkStates.of(t("dialing", 0, null, null)));
    }

    @Test
    void grayLinksWinAndWhatIsNotMissingIsNotReported() {
        assertEquals(LinkState.ONE_WAY, LinkStates.of(t("connected", 3, "reachable one way only: ...", "one_way")));
        assertEquals(LinkState.NO_HELLO, LinkStates.of(t("backoff", 3, "accepts connections but never answers the hello", "no_hello")));
        assertNull(LinkStates.of(t("connected", 0, null, null)));
        assertNull(LinkStates.of(t("self", 0, null, null)));
        assertNull(LinkStates.of(t("departed", 0, "node x at 10.0.0.7:5999 left (said bye)", null)));
    }
}
