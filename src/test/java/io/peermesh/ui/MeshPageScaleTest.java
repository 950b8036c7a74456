package io.peermesh.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * How the page copes with large meshes (issue #14: smooth with 100 members, readable with 1,000):
 * a synthetic view (full mesh of 100 in 5 zones; 1,000 in 10 zones with 8 links each) is handed to
 * the page's own render function in Debian's headless Chromium, timed, and screenshot to target/.
 * The bounds are loose (a loaded 2-core machine); the README quotes what was measured.
 */
@QuarkusTest
class MeshPageScaleTest {

    private static final String SYNTHETIC = """
            const n = arguments[0], zones = arguments[1], degree = arguments[2];
            const hex = (i) => (i.toString(16).padStart(8, '0') + '-0000-4000-8000-000000000000');
            const members = [], links = [];
            for (let i = 0; i < n; i++) members.push({nodeid: hex(i), id: hex(i).slice(0, 8), addr: '10.0.' + (i >> 8) + '.' + (i & 255) + ':5999',
                state: i % 97 === 5 ? 'suspect' : 'alive', metadata: {zone: 'zone-' + (i % zones), version: '1.4.0'}, self: i === 0, direct: true});
            for (let i = 0; i < n; i++) for (let k = 1; k <= degree; k++) {
                const j = (i + k) % n;
                if (j === i) continue;
                const rtt = (i % zones) === (j % zones) ? 0.3 + (i % 7) / 10 : 4 + ((i + j) % 30);
                links.push({from: hex(i), to: hex(j), addr: null, state: (i + j) % 53 === 0 ? 'refused' : 'up', rttMillis: rtt, loss: 0, ageMillis: 1000});
            }
            view = {self: hex(0), generatedAt: new Date().toISOString(), ready: true, reason: null, problems: [], members, links};
            receivedAt = Date.now();
            const t0 = performance.now();
            render();
            const graph = performance.now() - t0;
            setTab('matrix');
            const t1 = performance.now();
            render();
            const matrix = performance.now() - t1;
            setTab('graph');
            return [graph, matrix, document.querySelectorAll('#graph line').length, document.querySelectorAll('#graph g.member').length];
            """;

    @TestHTTPResource("/")
    URL page;

    @Test
    void aHundredMembersDrawQuicklyAndAThousandAreShownByZone() throws Exception {
        Browser.assumeInstalled();
        try (Browser browser = Browser.start()) {
            browser.driver().get(page.toString());
            // The application is shared with other @QuarkusTests: members they left behind may still be listed.
            browser.await(Duration.ofSeconds(20), () -> browser.count("#graph g.member") >= 1, "the node's first view drawn");
            browser.js("stream.close()"); // from now on the page draws only the synthetic views
            java.util.List<?> hundred = (java.util.List<?>) browser.js(SYNTHETIC, 100, 5, 99);
            browser.screenshot(Path.of("target", "topology-100.png"));
            assertEquals(100L, ((Number) hundred.get(3)).longValue(), hundred.toString());
            double graphMs = ((Number) hundred.get(0)).doubleValue();
            double matrixMs = ((Number) hundred.get(1)).doubleValue();
            System.out.printf("page render, 100 members / 4950 pairs: graph %.0f ms, matrix %.0f ms%n", graphMs, matrixMs);
            assertTrue(graphMs < 2_000 && matrixMs < 2_000, hundred.toString());

            java.util.List<?> thousand = (java.util.List<?>) browser.js(SYNTHETIC, 1000, 10, 8);
            browser.screenshot(Path.of("target", "topology-1000.png"));
            assertEquals(0L, ((Number) thousand.get(3)).longValue(), "1,000 members are drawn as zones: " + thousand);
            assertTrue(browser.count("#graph circle") == 10, "one circle per zone");
            System.out.printf("page render, 1000 members / 8000 links by zone: graph %.0f ms, matrix %.0f ms%n",
                    ((Number) thousand.get(0)).doubleValue(), ((Number) thousand.get(1)).doubleValue());
        }
    }
}
