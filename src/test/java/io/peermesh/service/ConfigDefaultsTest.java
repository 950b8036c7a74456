package io.peermesh.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.config.NodeConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Each default is written once (issue #11), in io.peermesh.node.config.Defaults or BroadcastConfig, and read
 * twice: by Quarkus (P2pConfig's {@code @WithDefault}, through its converters) and by the core's builders
 * (through Defaults' small parsers). These tests fail when the two readings, or the README table, disagree.
 */
class ConfigDefaultsTest {

    /**
     * P2pConfig with nothing set (no application.properties, no environment), read with the converters
     * Quarkus registers (its DurationConverter reads "2s"; the JDK's Duration.parse would not).
     */
    private static P2pConfig defaultP2pConfig() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDiscoveredConverters()
                .withMapping(P2pConfig.class)
                .build();
        return config.getConfigMapping(P2pConfig.class);
    }

    @Test
    void unsetP2pConfigBuildsTheSameNodeConfigAsTheBuilderDefaults() {
        // No TLS configuration name is set by default, so the registry is never asked.
        NodeConfig fromQuarkus = NodeConfigFactory.from(defaultP2pConfig(), null);
        // The one setting that is no key: PeerService's scheduler drives the pings.
        NodeConfig fromBuilder = NodeConfig.builder().internalPingTimer(false).build();
        List<String> differences = new ArrayList<>();
        compare("p2p", fromBuilder, fromQuarkus, differences);
        assertTrue(differences.isEmpty(), () -> "builder default vs @WithDefault: " + differences);
        assertEquals(fromBuilder, fromQuarkus);
    }

    /** Field by field, into nested records, so that a failure names the key that drifted. */
    private static void compare(String path, Object expected, Object actual, List<String> differences) {
        if (expected != null && actual != null && expected.getClass().isRecord() && expected.getClass() == actual.getClass()) {
            for (RecordComponent rc : expected.getClass().getRecordComponents()) {
                try {
                    compare(path + "." + rc.getName(), rc.getAccessor().invoke(expected), rc.getAccessor().invoke(actual),
                            differences);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        } else if (expected == null ? actual != null : !expected.equals(actual)) {
            differences.add(path + ": builder " + expected + ", P2pConfig " + actual);
        }
    }

    @Test
    void readmeConfigTableShowsEveryWithDefault() throws IOException {
        Path project = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Map<String, String> readme = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `(p2p\\.[^`]+)` \\| `[^`]+` \\| ([^|]+?) \\|")
                .matcher(Files.readString(project.resolve("README.md")));
        while (row.find()) {
            readme.put(row.group(1), row.group(2));
        }
        Map<String, String> annotated = new LinkedHashMap<>();
        withDefaults(P2pConfig.class, "p2p.", annotated);
        assertTrue(annotated.size() >= 30, "found the @WithDefault keys: " + annotated.keySet());
        List<String> wrong = new ArrayList<>();
        annotated.forEach((key, value) -> {
            if (!("`" + value + "`").equals(readme.get(key))) {
                wrong.add(key + ": @WithDefault " + value + ", README " + readme.get(key));
            }
        });
        assertTrue(wrong.isEmpty(), () -> "README.md's configuration table disagrees: " + wrong);
    }

    /** Every key of a mapping group with a @WithDefault, by the kebab-case name SmallRye Config gives it. */
    private static void withDefaults(Class<?> group, String prefix, Map<String, String> out) {
        for (Method m : group.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String key = prefix + m.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            WithDefault d = m.getAnnotation(WithDefault.class);
            if (d != null) {
                out.put(key, d.value());
            } else if (m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == P2pConfig.class) {
                withDefaults(m.getReturnType(), key + ".", out);
            }
        }
    }
}
