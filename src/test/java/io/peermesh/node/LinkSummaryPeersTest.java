package io.peermesh.node;

import io.peermesh.vertx.PeerNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Link summaries (issue #14) go to v2 peers only: over real sockets, a peer whose hello says
 * version 2 gets {@code links} lines listing every peer, while a v1 peer and a minimal peer (hello
 * with only {@code nodeid}), connected at the same time and listed in those summaries, get none.
 */
class LinkSummaryPeersTest {

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void close() {
        nodes.close();
    }

    private static String hello(FakePeer p, String extra) {
        return "{\"msgtype\":\"hello\",\"nodeid\":\"" + p.nodeId + "\"" + extra + "}";
    }

    @Test
    void onlyPeersSpeakingV2GetSummaries() throws Exception {
        // No ping rounds, and a first ping (sent on every handshake) that may stay unanswered for a minute.
        PeerNode node = nodes.start(TestNodes.fast().internalPingTimer(false).pingTimeout(Duration.ofSeconds(60)).build());
        try (FakePeer minimal = new FakePeer(node.port()); FakePeer v1 = new FakePeer(node.port());
             FakePeer v2 = new FakePeer(node.port())) {
            minimal.send(hello(minimal, ""));
            v1.send(hello(v1, ",\"version\":1,\"network\":\"peermesh\""));
            v2.send(hello(v2, ",\"version\":2,\"network\":\"peermesh\""));
            Eventually.await(Duration.ofSeconds(15), () -> node.peerCount() == 3, () -> node.peerCount() + " peers");
            // Summaries are sent on change, once a second at most: one listing all three comes within a few.
            String links = null;
            for (int i = 0; i < 10 && (links == null || !(links.contains(v1.nodeId) && links.contains(minimal.nodeId))); i++) {
                links = v2.next("links");
            }
            assertTrue(links != null && links.contains(v1.nodeId) && links.contains(minimal.nodeId)
                    && links.contains("\"state\":\"up\""), String.valueOf(links));
            // Sent to every v2 peer in the same turn of the loop: had the others been sent one, it is there by now.
            for (FakePeer old : List.of(minimal, v1)) {
                List<String> lines = old.drain(1500);
                assertTrue(lines.stream().noneMatch(l -> l.contains("\"links\"")), lines.toString());
            }
            assertTrue(node.peerCount() == 3, "all three still served");
        }
    }
}
