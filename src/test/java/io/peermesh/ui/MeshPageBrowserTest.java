package io.peermesh.ui;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.Eventually;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The topology page in a real browser against a real mesh in this JVM (issue #14): node A is the
 * application (its page, its /mesh/stream), B and C are plain nodes peered with it, D a full node
 * (max-peers 1) peered with B only. The page shows A, B and C and their three links; A's and C's
 * dials to D, refused with {@code reject full}, dashed with "full"; C, stopped, marked left within
 * 2 s. A screenshot goes to target/topology.png on every run.
 */
@QuarkusTest
@TestProfile(MeshPageBrowserTest.Zoned.class)
class MeshPageBrowserTest {

    /** Its own application instance: the nodes this test adds must not meet another test's. */
    public static class Zoned implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("p2p.metadata.zone", "zone-a", "p2p.metadata.version", "1.4.0");
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** The bound for a change to show on the page. */
    private static final Duration SHOWN_WITHIN = Duration.ofSeconds(2);

    @Inject
    PeerService service;
    @Inject
    Vertx vertx;
    @TestHTTPResource("/")
    URL page;

    private final List<PeerNode> started = new ArrayList<>();

    private PeerNode node(String zone, HostPort bootstrap, int maxPeers) {
        NodeConfig c = NodeConfig.builder().host("127.0.0.1").port(0).bootstrap(List.of(bootstrap))
                .pingInterval(Duration.ofSeconds(1)).pingTimeout(Duration.ofSeconds(3)).maxPeers(maxPeers)
                .minPeers(Math.min(1, maxPeers)).metadata(Metadata.of(Map.of("zone", zone, "version", "1.4.0"))).build();
        PeerNode n = Eventually.get(PeerNode.deploy(vertx, c, NodeClock.SYSTEM, NodeObserver.NONE));
        started.add(n);
        return n;
    }

    @AfterEach
    void stopNodes() {
        for (PeerNode n : started) {
            Eventually.get(n.close());
        }
        started.clear();
    }

    private static String selectorFor(String a, String b) {
        return "line.link[data-a='" + a + "'][data-b='" + b + "'],line.link[data-a='" + b + "'][data-b='" + a + "']";
    }

    private boolean linkShown(Browser browser, String a, String b, String state) {
        return (Boolean) browser.js("return [...document.querySelectorAll(arguments[0])].some(l => l.dataset.state === arguments[1])",
                selectorFor(a, b), state);
    }

    private String reasonShown(Browser browser, String a, String b) {
        Object t = browser.js("const t = document.querySelector(arguments[0]); return t ? t.textContent : null",
                "text.reason[data-a='" + a + "'][data-b='" + b + "'],text.reason[data-a='" + b + "'][data-b='" + a + "']");
        return t == null ? null : t.toString();
    }

    @Test
    void thePageShowsTheMeshItsMissingLinksAndAStoppedNode() throws Exception {
        Browser.assumeInstalled();
        PeerNode a = service.node();
        HostPort aAddress = new HostPort("127.0.0.1", a.port());
        PeerNode b = node("zone-b", aAddress, 64);
        PeerNode c = node("zone-c", aAddress, 64);
        Eventually.await(DEADLINE, () -> a.peerCount() == 2 && b.peerCount() == 2 && c.peerCount() == 2,
                () -> "full mesh of 3: A " + a.peerCount() + ", B " + b.peerCount() + ", C " + c.peerCount());
        String[] ids = {a.nodeId(), b.nodeId(), c.nodeId()};

        try (Browser browser = Browser.start()) {
            browser.driver().get(page.toString());
            browser.await(DEADLINE, () -> browser.count("#graph g.member[data-state='alive']") == 3,
                    "three alive members on the graph");
            for (int i = 0; i < 3; i++) {
                String id = ids[i];
                assertEquals(id.substring(0, 8), browser.js(
                        "return document.querySelector(\"g.member[data-node='\" + arguments[0] + \"'] text.id\").textContent", id));
                for (int j = i + 1; j < 3; j++) {
                    String x = ids[i], y = ids[j];
                    browser.await(DEADLINE, () -> linkShown(browser, x, y, "up"), "link " + x + " - " + y + " up");
                }
            }
            assertTrue(browser.js("return document.body.textContent").toString().contains("zone-b · 1.4.0"),
                    "metadata shown with the member");

            // D takes one peer only; A and C learn of it from B and are refused "full".
            PeerNode d = node("zone-d", new HostPort("127.0.0.1", b.port()), 1);
            // (Before its first dial A may wait 2-3 s for D to dial first, shown as "dialing".)
            browser.await(DEADLINE, () -> linkShown(browser, a.nodeId(), d.nodeId(), "missing")
                            && "full".equals(reasonShown(browser, a.nodeId(), d.nodeId())),
                    "A's refused link to D dashed, with reason 'full'");
            assertTrue(browser.js("return getComputedStyle(document.querySelector(arguments[0])).strokeDasharray", "line.link.missing")
                    .toString().matches(".*\\d.*"), "a missing link is dashed");
            browser.await(DEADLINE, () -> linkShown(browser, b.nodeId(), d.nodeId(), "up"), "B - D up");
            browser.screenshot(Path.of("target", "topology.png"));

            // The same mesh as JSON.
            given().get("/mesh").then().statusCode(200);
            List<String> members = given().get("/mesh").jsonPath().getList("members.nodeid");
            assertTrue(members.containsAll(List.of(ids)) && members.contains(d.nodeId()), members.toString());

            // C stops: it says bye, A marks it left at once, the page within 2 s.
            Eventually.get(c.close());
            long stoppedAt = System.nanoTime();
            browser.await(DEADLINE, () -> browser.count("g.member[data-node='" + c.nodeId() + "'][data-state='left']") == 1,
                    "C shown as left");
            Duration took = Duration.ofNanos(System.nanoTime() - stoppedAt);
            assertTrue(took.compareTo(SHOWN_WITHIN) <= 0, "C shown as left after " + took.toMillis() + " ms");
            browser.screenshot(Path.of("target", "topology-after-stop.png"));
        }
    }
}
