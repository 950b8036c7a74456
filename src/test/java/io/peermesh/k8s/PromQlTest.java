package io.peermesh.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every PromQL expression shipped with the manifests parses: the Grafana dashboard's queries and the
 * alert rules, checked with {@code promtool check rules} (Debian/Ubuntu: {@code apt-get install
 * prometheus}). Without promtool the promtool tests are skipped, except under CI=true where they
 * fail. Also checks, without promtool, that every metric a query names is one the application
 * exports, since PromQL happily queries a misspelled metric and returns nothing.
 */
class PromQlTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Micrometer JVM/process metrics of Quarkus the dashboard uses (not defined in this project's code). */
    static final Set<String> JVM_METRICS = Set.of("jvm_memory_used_bytes", "process_cpu_usage");
    /** What the dashboard and the alerts are built on: the application must export all of these. */
    static final Set<String> REQUIRED_P2P_METRICS = Set.of("p2p_peers", "p2p_ready", "p2p_handshakes_total",
            "p2p_dials_total", "p2p_messages_received_total", "p2p_messages_sent_total", "p2p_bytes_received_total",
            "p2p_bytes_sent_total", "p2p_ping_rtt_seconds", "p2p_peer_timeouts_total", "p2p_protocol_errors_total",
            "p2p_discovery_lookups_total", "p2p_discovery_addresses");
    static final Path METERS_SOURCE = ManifestsTest.PROJECT.resolve(
            "src/main/java/io/peermesh/metrics/MicrometerNodeObserver.java");

    /**
     * The Prometheus names of the meters the application registers, read from the source that
     * registers them: {@code Counter.builder("p2p.dials")} is {@code p2p_dials_total}, a Timer
     * {@code p2p.ping.rtt} is {@code p2p_ping_rtt_seconds} (a histogram: _bucket, _count, _sum, _max),
     * a Gauge keeps its name.
     */
    static Set<String> exportedP2pMetrics() {
        String source = ManifestsTest.read(METERS_SOURCE);
        Matcher m = Pattern.compile("\\b(Counter|Gauge|Timer)\\.builder\\(\\s*\"([A-Za-z0-9_.]+)\"").matcher(source);
        Set<String> names = new TreeSet<>();
        while (m.find()) {
            String base = m.group(2).replace('.', '_');
            names.add(switch (m.group(1)) {
                case "Counter" -> base + "_total";
                case "Timer" -> base + "_seconds";
                default -> base;
            });
        }
        return names;
    }

    static final Pattern METRIC = Pattern.compile("\\b((?:p2p|jvm|process)_[a-z0-9_]+)\\b");

    /** Values for Grafana's variables, so that the query becomes plain PromQL. */
    static final Map<String, String> VARIABLES = Map.of("__rate_interval", "1m", "__interval", "30s", "__range", "1h",
            "namespace", "default", "pod", "peermesh-0", "datasource", "prometheus");
    static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");

    record Query(String where, String expr) {
    }

    /** Every query of the dashboard, Grafana variables replaced by concrete values. */
    static List<Query> dashboardQueries() throws IOException {
        JsonNode dash = JSON.readTree(ManifestsTest.DASHBOARD.toFile());
        List<Query> queries = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        dash.path("panels").forEach(p -> {
            panels.add(p);
            p.path("panels").forEach(panels::add);
        });
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                queries.add(new Query("panel " + p.path("id").asInt() + " \"" + p.path("title").asText() + "\" "
                        + t.path("refId").asText(), substitute(t.path("expr").asText())));
            }
        }
        // Query variables: label_values(SELECTOR, label) -> the selector must be valid PromQL too.
        Pattern labelValues = Pattern.compile("label_values\\((.*),\\s*\\w+\\)");
        for (JsonNode v : dash.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                String definition = v.path("definition").asText();
                Matcher m = labelValues.matcher(definition);
                assertTrue(m.matches(), "variable " + v.path("name").asText() + ": label_values(selector, label)");
                queries.add(new Query("variable " + v.path("name").asText(), substitute(m.group(1))));
            }
        }
        return queries;
    }

    static String substitute(String expr) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = VARIABLES.get(name);
            if (value == null) {
                fail("unknown Grafana variable $" + name + " in " + expr + " (add it to PromQlTest.VARIABLES)");
            }
            m.appendReplacement(b, Matcher.quoteReplacement(value));
        }
        return m.appendTail(b).toString();
    }

    /** The alert expressions of the plain rules file (identical to the PrometheusRule's, see ManifestsTest). */
    static List<Query> alertQueries() {
        List<Query> queries = new ArrayList<>();
        Map<String, Object> file = ManifestsTest.readDocuments(ManifestsTest.read(ManifestsTest.ALERT_RULES), "rules").get(0);
        for (Object group : (List<?>) file.get("groups")) {
            for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
                Map<?, ?> r = (Map<?, ?>) rule;
                queries.add(new Query("alert " + r.get("alert"), String.valueOf(r.get("expr"))));
            }
        }
        return queries;
    }

    @Test
    void dashboardAndAlertsUseOnlyMetricsTheApplicationExports() throws IOException {
        List<Query> all = new ArrayList<>(dashboardQueries());
        all.addAll(alertQueries());
        assertTrue(all.size() > 20, "queries found: " + all.size());
        Set<String> known = new TreeSet<>(exportedP2pMetrics());
        known.addAll(JVM_METRICS);
        List<String> unknown = new ArrayList<>();
        for (Query q : all) {
            Matcher m = METRIC.matcher(q.expr);
            while (m.find()) {
                String name = m.group(1);
                String histogram = name.replaceAll("_(bucket|count|sum|max)$", ""); // Timers only
                if (!known.contains(name) && !(histogram.endsWith("_seconds") && known.contains(histogram))) {
                    unknown.add(q.where + ": " + m.group(1));
                }
            }
        }
        assertTrue(unknown.isEmpty(), () -> "unknown metric names:\n  " + String.join("\n  ", unknown));
    }

    @Test
    void grafanaVariablesAreAllReplaced() throws IOException {
        for (Query q : dashboardQueries()) {
            assertFalse(q.expr.contains("$"), q.where + ": " + q.expr);
        }
        assertEquals("rate(x[1m]) {pod=~\"peermesh-0\"} peermesh-0 prometheus",
                substitute("rate(x[$__rate_interval]) {pod=~\"$pod\"} ${pod} ${datasource}"));
    }

    @Test
    void dashboardQueriesParse(@TempDir Path dir) throws IOException {
        String promtool = promtool();
        List<Query> queries = dashboardQueries();
        Path rules = writeRecordingRules(dir, queries);
        ManifestsTest.ProcessResult r = ManifestsTest.run(List.of(promtool, "check", "rules", rules.toString()), 60);
        assertEquals(0, r.exitCode(), () -> "promtool check rules failed for the dashboard's queries:\n" + r.stdout()
                + r.stderr() + "\nqueries:\n" + describe(queries));
        assertTrue(r.stdout().contains("SUCCESS: " + queries.size() + " rules found"), r.stdout());
    }

    @Test
    void alertRulesParse() {
        String promtool = promtool();
        ManifestsTest.ProcessResult r = ManifestsTest.run(
                List.of(promtool, "check", "rules", ManifestsTest.ALERT_RULES.toString()), 60);
        assertEquals(0, r.exitCode(), () -> "promtool check rules " + ManifestsTest.ALERT_RULES + ":\n" + r.stdout()
                + r.stderr());
        assertTrue(r.stdout().contains("SUCCESS: " + alertQueries().size() + " rules found"), r.stdout());
    }

    /** promtool must really reject a broken expression, or the two tests above prove nothing. */
    @Test
    void promtoolRejectsABrokenExpression(@TempDir Path dir) throws IOException {
        String promtool = promtool();
        Path rules = writeRecordingRules(dir, List.of(new Query("broken", "sum by (pod (p2p_peers)")));
        ManifestsTest.ProcessResult r = ManifestsTest.run(List.of(promtool, "check", "rules", rules.toString()), 60);
        assertNotEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    /** A rules file (JSON is YAML) with one recording rule per query. */
    static Path writeRecordingRules(Path dir, List<Query> queries) throws IOException {
        List<Map<String, String>> rules = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            Map<String, String> rule = new LinkedHashMap<>();
            rule.put("record", "peermesh_dashboard:query_" + i);
            rule.put("expr", queries.get(i).expr);
            rules.add(rule);
        }
        Path file = dir.resolve("dashboard.rules.yml");
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(),
                Map.of("groups", List.of(Map.of("name", "peermesh-dashboard", "rules", rules))));
        return file;
    }

    static String describe(List<Query> queries) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < queries.size(); i++) {
            b.append("  query_").append(i).append(" (").append(queries.get(i).where).append("): ")
                    .append(queries.get(i).expr).append('\n');
        }
        return b.toString();
    }

    /** The promtool executable; skips (fails under CI=true) when there is none. */
    static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "promtool");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String message = "promtool not found on PATH: apt-get install prometheus (Debian/Ubuntu; it provides "
                + "/usr/bin/promtool)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " — required when CI=true");
        }
        Assumptions.abort(message);
        return null; // not reached
    }

    @Test
    void theApplicationExportsTheMetricsTheDashboardNeeds() {
        Set<String> exported = exportedP2pMetrics();
        Set<String> missing = new TreeSet<>(REQUIRED_P2P_METRICS);
        missing.removeAll(exported);
        assertTrue(missing.isEmpty(), "not registered in " + METERS_SOURCE.getFileName() + ": " + missing
                + " (registered: " + exported + ")");
    }
}
