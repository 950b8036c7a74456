package io.peermesh.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.PodMetricsEndpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRuleSpec;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.RuleGroup;
import io.peermesh.service.P2pConfig;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks the Kubernetes manifests under {@code k8s/} without a cluster: renders each kustomization
 * (with {@code kubectl kustomize} when a working kubectl is on PATH, and always also with a small
 * built-in renderer that reads the files a kustomization lists), parses every object into the
 * fabric8 typed models, fails on any field the models do not know (a misspelled field is otherwise
 * silently dropped by the API server or by kubectl's client-side apply), and checks that the
 * manifests agree with the application: ports, health paths, {@code P2P_*} variables, labels.
 *
 * <p>Plain JUnit: no Quarkus application is started.
 */
class ManifestsTest {

    static final Path PROJECT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    static final Path K8S = PROJECT.resolve("k8s");
    static final Path BASE = K8S.resolve("base");
    static final Path OVERLAY_PROMETHEUS = K8S.resolve("overlays/prometheus-operator");
    static final Path OVERLAY_GRAFANA = K8S.resolve("overlays/grafana");
    static final Path OVERLAY_MTLS = K8S.resolve("overlays/mtls");
    static final Path ALERT_RULES = K8S.resolve("monitoring/peermesh-alerts.rules.yml");
    static final Path DASHBOARD = OVERLAY_GRAFANA.resolve("peermesh-dashboard.json");

    static final String NAME = "peermesh";
    static final String HEADLESS = "peermesh-peers";
    static final String MONITORING_GROUP = "monitoring.coreos.com";
    static final List<String> RECOMMENDED_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/version");
    static final Set<String> ALERTS = Set.of("PeermeshNodeWithoutPeers", "PeermeshMeshIncomplete",
            "PeermeshPingRttHigh", "PeermeshPeersTimingOut");

    /**
     * P2P_* variables the StatefulSet may set before P2pConfig has them: DNS discovery is being
     * added to the application at the same time as these manifests. Only used while P2pConfig has no
     * method whose name starts with "discovery"; once it has, these must resolve like every other key.
     */
    static final Set<String> PENDING_DISCOVERY_ENV = Set.of("P2P_DISCOVERY_DNS", "P2P_DISCOVERY_DNS_INTERVAL");

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    // ---------------------------------------------------------------------------------------------
    // Rendering

    enum Renderer { KUBECTL, FILES }

    private static Boolean kubectlWorks;

    /** True when `kubectl kustomize` can run here (set -Dpeermesh.k8s.kubectl=false to ignore kubectl). */
    static synchronized boolean kubectlWorks() {
        if (kubectlWorks == null) {
            kubectlWorks = !"false".equals(System.getProperty("peermesh.k8s.kubectl"))
                    && run(List.of("kubectl", "version", "--client"), 60).exitCode == 0;
        }
        return kubectlWorks;
    }

    /** The renderer used for the assertions: kubectl when it works, otherwise the files. */
    static Renderer defaultRenderer() {
        return kubectlWorks() ? Renderer.KUBECTL : Renderer.FILES;
    }

    record ProcessResult(int exitCode, String stdout, String stderr) {
    }

    static ProcessResult run(List<String> command, int timeoutSeconds) {
        try {
            Path err = Files.createTempFile("peermesh-k8s", ".stderr");
            try {
                Process p = new ProcessBuilder(command).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.PIPE).start();
                p.getOutputStream().close();
                String out;
                try (InputStream in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new ProcessResult(-1, out, "timed out after " + timeoutSeconds + " s: " + command);
                }
                return new ProcessResult(p.exitValue(), out, Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new ProcessResult(-1, "", e.toString()); // e.g. no such executable
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The documents a kustomization renders to, as plain YAML trees. */
    static List<Map<String, Object>> renderRaw(Path dir, Renderer renderer) {
        if (renderer == Renderer.KUBECTL) {
            ProcessResult r = run(List.of("kubectl", "kustomize", dir.toString()), 120);
            assertEquals(0, r.exitCode, () -> "kubectl kustomize " + PROJECT.relativize(dir) + " failed: " + r.stderr);
            return readDocuments(r.stdout, "kubectl kustomize " + dir);
        }
        return renderFiles(dir);
    }

    static Rendered render(Path dir, Renderer renderer) {
        List<Map<String, Object>> raw = renderRaw(dir, renderer);
        String source = renderer.name().toLowerCase(Locale.ROOT) + ":" + PROJECT.relativize(dir);
        List<HasMetadata> objects = new ArrayList<>();
        for (Map<String, Object> doc : raw) {
            KubernetesResource typed = SERIALIZATION.convertValue(doc, KubernetesResource.class);
            assertTrue(typed instanceof HasMetadata, () -> source + ": not a Kubernetes object: " + doc);
            objects.add((HasMetadata) typed);
        }
        return new Rendered(source, raw, objects);
    }

    static List<Map<String, Object>> readDocuments(String yaml, String where) {
        try {
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Map<String, Object> doc : YAML.readerFor(new TypeReference<Map<String, Object>>() { })
                    .<Map<String, Object>>readValues(yaml).readAll()) {
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new AssertionError(where + ": invalid YAML: " + e.getMessage(), e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fields of a kustomization the built-in renderer implements. Anything else fails the test. */
    static final Set<String> KUSTOMIZATION_FIELDS = Set.of("apiVersion", "kind", "resources", "images",
            "configMapGenerator", "generatorOptions", "patches");
    static final Set<String> PATCH_FIELDS = Set.of("path");
    static final Set<String> IMAGE_FIELDS = Set.of("name", "newName", "newTag", "digest");
    static final Set<String> GENERATOR_FIELDS = Set.of("name", "files", "literals", "options", "behavior");
    static final Set<String> GENERATOR_OPTION_FIELDS = Set.of("labels", "annotations", "disableNameSuffixHash");

    static Path kustomizationFile(Path dir) {
        for (String name : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new AssertionError("no kustomization.yaml in " + dir);
    }

    /** A kustomization as a YAML tree, its fields checked against what the built-in renderer knows. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readKustomization(Path dir) {
        Path file = kustomizationFile(dir);
        List<Map<String, Object>> docs = readDocuments(read(file), file.toString());
        assertEquals(1, docs.size(), file + ": one document");
        Map<String, Object> k = docs.get(0);
        String where = PROJECT.relativize(file).toString();
        assertKeys(where, k, KUSTOMIZATION_FIELDS);
        assertEquals("kustomize.config.k8s.io/v1beta1", k.get("apiVersion"), where + ": apiVersion");
        assertEquals("Kustomization", k.get("kind"), where + ": kind");
        for (Map<String, Object> image : (List<Map<String, Object>>) k.getOrDefault("images", List.of())) {
            assertKeys(where + " images[]", image, IMAGE_FIELDS);
        }
        for (Map<String, Object> gen : (List<Map<String, Object>>) k.getOrDefault("configMapGenerator", List.of())) {
            assertKeys(where + " configMapGenerator[]", gen, GENERATOR_FIELDS);
            assertKeys(where + " configMapGenerator[].options",
                    (Map<String, Object>) gen.getOrDefault("options", Map.of()), GENERATOR_OPTION_FIELDS);
        }
        assertKeys(where + " generatorOptions", (Map<String, Object>) k.getOrDefault("generatorOptions", Map.of()),
                GENERATOR_OPTION_FIELDS);
        for (Map<String, Object> patch : (List<Map<String, Object>>) k.getOrDefault("patches", List.of())) {
            assertKeys(where + " patches[]", patch, PATCH_FIELDS);
        }
        return k;
    }

    static void assertKeys(String where, Map<String, Object> map, Set<String> allowed) {
        Set<String> unknown = new TreeSet<>(map.keySet());
        unknown.removeAll(allowed);
        assertTrue(unknown.isEmpty(), () -> where + ": unknown or unsupported field(s) " + unknown
                + " (allowed: " + new TreeSet<>(allowed) + "; ManifestsTest.renderFiles implements only these)");
    }

    /**
     * Renders a kustomization from its files: resources (files and kustomization directories),
     * configMapGenerator (files, literals, labels, annotations; only with disableNameSuffixHash,
     * because this does not compute kustomize's hash) and images. Enough for this repository's
     * kustomizations; {@link #readKustomization} fails on anything else.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> renderFiles(Path dir) {
        Map<String, Object> k = readKustomization(dir);
        String where = PROJECT.relativize(kustomizationFile(dir)).toString();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (String resource : (List<String>) k.getOrDefault("resources", List.of())) {
            Path path = dir.resolve(resource).normalize();
            if (Files.isDirectory(path)) {
                assertFalse(dir.normalize().startsWith(path), where + ": resource " + resource + " contains this "
                        + "kustomization (kustomize: cycle detected); an overlay must reference ../../base");
                docs.addAll(renderFiles(path));
            } else {
                assertTrue(Files.isRegularFile(path), where + ": resource " + resource + " does not exist");
                docs.addAll(readDocuments(read(path), path.toString()));
            }
        }
        Map<String, Object> generatorOptions = (Map<String, Object>) k.getOrDefault("generatorOptions", Map.of());
        for (Map<String, Object> gen : (List<Map<String, Object>>) k.getOrDefault("configMapGenerator", List.of())) {
            Map<String, Object> options = (Map<String, Object>) gen.getOrDefault("options", Map.of());
            boolean noHash = Boolean.TRUE.equals(options.getOrDefault("disableNameSuffixHash",
                    generatorOptions.get("disableNameSuffixHash")));
            assertTrue(noHash, where + ": the built-in renderer needs disableNameSuffixHash: true");
            assertTrue(gen.get("behavior") == null || "create".equals(gen.get("behavior")),
                    where + ": only behavior create is supported");
            Map<String, Object> data = new TreeMap<>();
            for (String entry : (List<String>) gen.getOrDefault("files", List.of())) {
                int eq = entry.indexOf('=');
                String key = eq < 0 ? Path.of(entry).getFileName().toString() : entry.substring(0, eq);
                Path file = dir.resolve(eq < 0 ? entry : entry.substring(eq + 1)).normalize();
                assertTrue(file.startsWith(dir.normalize()), where + ": " + entry + " is outside the kustomization "
                        + "directory (kustomize's load restrictor rejects it)");
                data.put(key, read(file));
            }
            for (String literal : (List<String>) gen.getOrDefault("literals", List.of())) {
                int eq = literal.indexOf('=');
                data.put(literal.substring(0, eq), literal.substring(eq + 1));
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("name", gen.get("name"));
            for (String field : List.of("labels", "annotations")) {
                Map<String, Object> merged = new TreeMap<>((Map<String, Object>) generatorOptions.getOrDefault(field,
                        Map.of()));
                merged.putAll((Map<String, Object>) options.getOrDefault(field, Map.of()));
                if (!merged.isEmpty()) {
                    metadata.put(field, merged);
                }
            }
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("apiVersion", "v1");
            cm.put("kind", "ConfigMap");
            cm.put("metadata", metadata);
            cm.put("data", data);
            docs.add(cm);
        }
        for (Map<String, Object> patch : (List<Map<String, Object>>) k.getOrDefault("patches", List.of())) {
            Path file = dir.resolve((String) patch.get("path")).normalize();
            for (Map<String, Object> p : readDocuments(read(file), file.toString())) {
                Map<String, Object> target = docs.stream().filter(d -> Objects.equals(d.get("apiVersion"), p.get("apiVersion"))
                        && Objects.equals(d.get("kind"), p.get("kind"))
                        && Objects.equals(((Map<String, Object>) d.get("metadata")).get("name"),
                                ((Map<String, Object>) p.get("metadata")).get("name")))
                        .findFirst().orElseThrow(() -> new AssertionError(where + ": patch " + file.getFileName()
                                + " matches no resource"));
                strategicMerge(target, p);
            }
        }
        for (Map<String, Object> image : (List<Map<String, Object>>) k.getOrDefault("images", List.of())) {
            docs.forEach(doc -> setImages(doc, image, false));
        }
        return docs;
    }

    /** Merge keys of the lists a strategic merge patch merges (by element) instead of replacing. */
    static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name", "env", "name",
            "volumes", "name", "volumeMounts", "mountPath", "ports", "containerPort");

    /**
     * kustomize's strategic merge patch, as far as this repository's patches need it: maps merge key
     * by key, the lists of {@link #MERGE_KEYS} merge element by element (new elements first, in patch
     * order, as kustomize 5 puts them), every other value is replaced.
     */
    @SuppressWarnings("unchecked")
    static void strategicMerge(Map<String, Object> target, Map<String, Object> patch) {
        patch.forEach((key, value) -> {
            Object current = target.get(key);
            if (current instanceof Map<?, ?> c && value instanceof Map<?, ?> v) {
                strategicMerge((Map<String, Object>) c, (Map<String, Object>) v);
            } else if (current instanceof List<?> c && value instanceof List<?> v && MERGE_KEYS.containsKey(key)) {
                String mergeKey = MERGE_KEYS.get(key);
                List<Object> added = new ArrayList<>();
                for (Object item : v) {
                    Map<String, Object> element = (Map<String, Object>) item;
                    Map<String, Object> existing = (Map<String, Object>) c.stream()
                            .filter(e -> Objects.equals(((Map<String, Object>) e).get(mergeKey), element.get(mergeKey)))
                            .findFirst().orElse(null);
                    if (existing != null) {
                        strategicMerge(existing, element);
                    } else {
                        added.add(element);
                    }
                }
                ((List<Object>) c).addAll(0, added);
            } else {
                target.put(key, value);
            }
        });
    }

    /** kustomize's images transformer: every containers[]/initContainers[] image whose name matches. */
    @SuppressWarnings("unchecked")
    static void setImages(Object node, Map<String, Object> image, boolean inContainerList) {
        if (node instanceof Map<?, ?> map) {
            Object current = map.get("image");
            if (inContainerList && current instanceof String s && imageName(s).equals(image.get("name"))) {
                String name = (String) image.getOrDefault("newName", imageName(s));
                String suffix = image.get("digest") != null ? "@" + image.get("digest")
                        : image.get("newTag") != null ? ":" + image.get("newTag") : s.substring(imageName(s).length());
                ((Map<String, Object>) map).put("image", name + suffix);
            }
            map.forEach((key, value) -> setImages(value, image,
                    "containers".equals(key) || "initContainers".equals(key) || "ephemeralContainers".equals(key)));
        } else if (node instanceof List<?> list) {
            list.forEach(item -> setImages(item, image, inContainerList));
        }
    }

    /** The image reference without tag or digest. */
    static String imageName(String image) {
        int at = image.indexOf('@');
        String s = at < 0 ? image : image.substring(0, at);
        int colon = s.lastIndexOf(':');
        return colon > s.lastIndexOf('/') ? s.substring(0, colon) : s;
    }

    /** A rendered kustomization: the YAML trees and their typed objects, in the same order. */
    record Rendered(String source, List<Map<String, Object>> raw, List<HasMetadata> objects) {

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type, String name) {
            List<T> found = all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).toList();
            assertEquals(1, found.size(), () -> source + ": exactly one " + type.getSimpleName() + " " + name);
            return found.get(0);
        }

        Set<String> ids() {
            return objects.stream().map(ManifestsTest::id).collect(Collectors.toCollection(TreeSet::new));
        }

        Map<String, Map<String, Object>> rawById() {
            Map<String, Map<String, Object>> byId = new TreeMap<>();
            for (int i = 0; i < raw.size(); i++) {
                assertTrue(byId.put(id(objects.get(i)), raw.get(i)) == null,
                        source + ": duplicate object " + id(objects.get(i)));
            }
            return byId;
        }
    }

    static String id(HasMetadata o) {
        return o.getApiVersion() + "/" + o.getKind() + "/" + o.getMetadata().getName();
    }

    // ---------------------------------------------------------------------------------------------
    // Unknown fields

    /**
     * Every field the typed models did not recognise, with its path. The fabric8 models keep unknown
     * fields in {@code additionalProperties} instead of failing; this walks every model object
     * (through nested objects, lists and maps) and reports each non-empty one.
     */
    static List<String> unknownFields(Object root, String rootPath) {
        List<String> problems = new ArrayList<>();
        walk(root, rootPath, problems, Collections.newSetFromMap(new IdentityHashMap<>()));
        return problems;
    }

    private static void walk(Object o, String path, List<String> problems, Set<Object> seen) {
        if (o == null || o instanceof CharSequence || o instanceof Number || o instanceof Boolean
                || o instanceof Enum<?> || o instanceof Character || !seen.add(o)) {
            return;
        }
        if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, problems, seen));
            return;
        }
        if (o instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (o instanceof GenericKubernetesResource g) {
            problems.add(path + ": no typed model for apiVersion " + g.getApiVersion() + " kind " + g.getKind()
                    + " (unknown kind, or misspelled apiVersion/kind)");
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            problems.add(path + ": unexpected value of type " + o.getClass().getName());
            return;
        }
        try {
            Method getter = o.getClass().getMethod("getAdditionalProperties");
            Map<?, ?> additional = (Map<?, ?>) getter.invoke(o);
            if (additional != null && !additional.isEmpty()) {
                problems.add(path + ": unknown field(s) " + new TreeSet<>(additional.keySet().stream()
                        .map(String::valueOf).toList()) + " in " + o.getClass().getSimpleName());
            }
        } catch (NoSuchMethodException e) {
            // IntOrString, Quantity's value holders and the like: nothing to check on this level
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("additionalProperties")) {
                    continue;
                }
                f.setAccessible(true);
                com.fasterxml.jackson.annotation.JsonProperty json =
                        f.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                String name = json != null && !json.value().isEmpty() ? json.value() : f.getName();
                try {
                    walk(f.get(o), path + "." + name, problems, seen);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    static void assertNoUnknownFields(Rendered r) {
        List<String> problems = new ArrayList<>();
        for (HasMetadata o : r.objects) {
            problems.addAll(unknownFields(o, r.source + " " + o.getKind() + "/" + o.getMetadata().getName()));
        }
        assertTrue(problems.isEmpty(), () -> "fields the Kubernetes API does not know (misspelled or misplaced):\n  "
                + String.join("\n  ", problems));
    }

    // ---------------------------------------------------------------------------------------------
    // The application's own values

    static int httpPortFromApplicationProperties() {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(PROJECT.resolve("src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Integer.parseInt(Objects.requireNonNull(p.getProperty("quarkus.http.port"),
                "quarkus.http.port in application.properties").trim());
    }

    static int peerPortDefault() throws NoSuchMethodException {
        WithDefault d = P2pConfig.class.getMethod("port").getAnnotation(WithDefault.class);
        assertNotNull(d, "P2pConfig.port() has a @WithDefault");
        return Integer.parseInt(d.value());
    }

    /**
     * Whether an environment variable P2P_A_B_C names a key of P2pConfig: a method aB... of the
     * interface, or a method returning a nested group interface whose methods take the rest
     * (P2P_DISCOVERY_DNS_INTERVAL -> discovery().dnsInterval() or discoveryDnsInterval()), or a
     * method returning a Map whose key the rest is (P2P_METADATA_ZONE -> metadata() key "zone";
     * SmallRye Config maps such a variable onto p2p.metadata.zone, ThreeNodeApiProcessIT checks it).
     */
    static boolean configHasKey(Class<?> group, List<String> segments) {
        for (int n = 1; n <= segments.size(); n++) {
            String name = camel(segments.subList(0, n));
            for (Method m : group.getMethods()) {
                if (!m.getName().equals(name) || m.getParameterCount() != 0 || m.isDefault()
                        || Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                if (n == segments.size()) {
                    return true;
                }
                if (Map.class.isAssignableFrom(m.getReturnType())) {
                    return true; // the remaining segments are the map key
                }
                Class<?> nested = m.getReturnType();
                if (nested.isInterface() && !nested.getName().startsWith("java.")
                        && configHasKey(nested, segments.subList(n, segments.size()))) {
                    return true;
                }
            }
        }
        return false;
    }

    static String camel(List<String> words) {
        StringBuilder b = new StringBuilder(words.get(0).toLowerCase(Locale.ROOT));
        for (String w : words.subList(1, words.size())) {
            String lower = w.toLowerCase(Locale.ROOT);
            b.append(Character.toUpperCase(lower.charAt(0))).append(lower.substring(1));
        }
        return b.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // Tests

    static Stream<Path> kustomizations() {
        return Stream.of(K8S, BASE, OVERLAY_PROMETHEUS, OVERLAY_GRAFANA, OVERLAY_MTLS);
    }

    static Stream<Arguments> kustomizationsAndRenderers() {
        List<Renderer> renderers = kubectlWorks() ? List.of(Renderer.KUBECTL, Renderer.FILES) : List.of(Renderer.FILES);
        return kustomizations().flatMap(dir -> renderers.stream().map(r -> Arguments.of(K8S.relativize(dir).toString(), r)));
    }

    @ParameterizedTest(name = "k8s/{0} rendered by {1}")
    @MethodSource("kustomizationsAndRenderers")
    void everyObjectIsTypedAndHasNoUnknownField(String dir, Renderer renderer) {
        Rendered r = render(K8S.resolve(dir), renderer);
        assertFalse(r.objects.isEmpty(), r.source + " renders objects");
        assertNoUnknownFields(r);
        r.rawById(); // no duplicates
        for (HasMetadata o : r.objects) {
            Map<String, String> labels = o.getMetadata().getLabels();
            assertNotNull(labels, () -> id(o) + " has labels");
            assertEquals(NAME, labels.get("app.kubernetes.io/name"), () -> id(o) + " app.kubernetes.io/name");
            assertEquals(NAME, labels.get("app.kubernetes.io/part-of"), () -> id(o) + " app.kubernetes.io/part-of");
            assertTrue(o.getMetadata().getNamespace() == null, () -> id(o) + ": no fixed namespace (use kubectl -n)");
        }
    }

    @ParameterizedTest(name = "k8s/{0}")
    @MethodSource("kustomizations")
    void kubectlAndTheFileRendererAgree(Path dir) {
        Assumptions.assumeTrue(kubectlWorks(), "kubectl not on PATH (or not working): only the file renderer is tested");
        Map<String, Map<String, Object>> kubectl = render(dir, Renderer.KUBECTL).rawById();
        Map<String, Map<String, Object>> files = render(dir, Renderer.FILES).rawById();
        assertEquals(kubectl.keySet(), files.keySet(), "same objects");
        kubectl.forEach((id, doc) -> assertEquals(doc, files.get(id), id + " rendered identically"));
    }

    @Test
    void kustomizationsUseKnownFieldsAndOverlaysReferenceBase() {
        for (Path dir : kustomizations().toList()) {
            readKustomization(dir); // fails on unknown fields
        }
        for (Path overlay : List.of(OVERLAY_PROMETHEUS, OVERLAY_GRAFANA, OVERLAY_MTLS)) {
            @SuppressWarnings("unchecked")
            List<String> resources = (List<String>) readKustomization(overlay).get("resources");
            assertTrue(resources.contains("../../base"), overlay + " references ../../base");
            assertFalse(resources.contains("../..") || resources.contains("../../"),
                    overlay + " must not reference k8s/ itself (cycle)");
        }
        @SuppressWarnings("unchecked")
        List<String> top = (List<String>) readKustomization(K8S).get("resources");
        assertEquals(List.of("base"), top, "k8s/kustomization.yaml applies the base only");
    }

    /** The default `kubectl apply -k k8s`. */
    @Test
    void defaultRenderIsTheBaseWithoutPrometheusOperatorKinds() throws Exception {
        Rendered r = render(K8S, defaultRenderer());
        for (HasMetadata o : r.objects) {
            assertFalse(o.getApiVersion().startsWith(MONITORING_GROUP + "/"),
                    () -> id(o) + ": monitoring.coreos.com kinds need the Prometheus Operator CRDs; keep them in an overlay");
        }
        assertEquals(new TreeSet<>(List.of("v1/ServiceAccount/peermesh", "v1/Service/peermesh-peers", "v1/Service/peermesh",
                "apps/v1/StatefulSet/peermesh", "policy/v1/PodDisruptionBudget/peermesh",
                "networking.k8s.io/v1/NetworkPolicy/peermesh")), r.ids(), "what `kubectl apply -k k8s` creates");
        assertBase(r);
    }

    /** The direct-file path, as on a machine without kubectl. */
    @Test
    void baseRenderedFromFilesWithoutKubectl() throws Exception {
        Rendered r = render(BASE, Renderer.FILES);
        assertBase(r);
        assertEquals(render(K8S, Renderer.FILES).raw, r.raw, "k8s/ is exactly the base");
    }

    @ParameterizedTest
    @ValueSource(strings = {"KUBECTL", "FILES"})
    void overlaysAddToTheBaseWithoutChangingIt(Renderer renderer) {
        Assumptions.assumeTrue(renderer == Renderer.FILES || kubectlWorks(), "kubectl not available");
        Map<String, Map<String, Object>> base = render(BASE, renderer).rawById();
        for (Path overlay : List.of(OVERLAY_PROMETHEUS, OVERLAY_GRAFANA)) {
            Map<String, Map<String, Object>> rendered = render(overlay, renderer).rawById();
            base.forEach((id, doc) -> assertEquals(doc, rendered.get(id), overlay + ": " + id + " as in the base"));
        }
    }

    @Test
    void prometheusOperatorOverlay() throws Exception {
        Rendered r = render(OVERLAY_PROMETHEUS, defaultRenderer());
        assertBase(r);
        PodSpec pod = r.one(StatefulSet.class, NAME).getSpec().getTemplate().getSpec();
        Map<String, String> podLabels = r.one(StatefulSet.class, NAME).getSpec().getTemplate().getMetadata().getLabels();

        PodMonitor monitor = r.one(PodMonitor.class, NAME);
        assertTrue(selects(monitor.getSpec().getSelector().getMatchLabels(), podLabels), "PodMonitor selects the pods");
        assertTrue(monitor.getSpec().getSelector().getMatchExpressions() == null
                || monitor.getSpec().getSelector().getMatchExpressions().isEmpty());
        assertEquals(1, monitor.getSpec().getPodMetricsEndpoints().size());
        PodMetricsEndpoint endpoint = monitor.getSpec().getPodMetricsEndpoints().get(0);
        assertEquals("/q/metrics", endpoint.getPath());
        ContainerPort port = containerPort(container(pod), endpoint.getPort());
        assertEquals(httpPortFromApplicationProperties(), port.getContainerPort(), "PodMonitor scrapes the HTTP port");

        PrometheusRule rule = r.one(PrometheusRule.class, NAME);
        Set<String> alerts = rule.getSpec().getGroups().stream().flatMap(g -> g.getRules().stream())
                .map(Rule::getAlert).collect(Collectors.toSet());
        assertEquals(ALERTS, alerts);
        for (RuleGroup g : rule.getSpec().getGroups()) {
            for (Rule alert : g.getRules()) {
                assertNotNull(alert.getExpr().getStrVal(), alert.getAlert() + " expr");
                assertNotNull(alert.getLabels().get("severity"), alert.getAlert() + " severity");
                assertNotNull(alert.getAnnotations().get("summary"), alert.getAlert() + " summary");
            }
        }
        assertEquals("1m", ruleNamed(rule.getSpec(), "PeermeshNodeWithoutPeers").getFor());
        assertEquals("2m", ruleNamed(rule.getSpec(), "PeermeshMeshIncomplete").getFor());
        assertEquals("5m", ruleNamed(rule.getSpec(), "PeermeshPingRttHigh").getFor());
        assertTrue(ruleNamed(rule.getSpec(), "PeermeshPingRttHigh").getExpr().getStrVal()
                .contains("rate(p2p_ping_rtt_seconds_bucket[5m])"));
        assertTrue(ruleNamed(rule.getSpec(), "PeermeshPeersTimingOut").getExpr().getStrVal()
                .contains("increase(p2p_peer_timeouts_total[5m]) > 0"));
    }

    static Rule ruleNamed(PrometheusRuleSpec spec, String alert) {
        return spec.getGroups().stream().flatMap(g -> g.getRules().stream()).filter(x -> alert.equals(x.getAlert()))
                .findFirst().orElseThrow(() -> new AssertionError("no alert " + alert));
    }

    /** The plain rules file must hold exactly the PrometheusRule's groups (the same YAML tree). */
    @Test
    @SuppressWarnings("unchecked")
    void plainRulesFileEqualsThePrometheusRule() {
        Map<String, Object> file = readDocuments(read(ALERT_RULES), ALERT_RULES.toString()).get(0);
        assertEquals(Set.of("groups"), file.keySet(), "a Prometheus rules file has only `groups`");
        Map<String, Object> ruleDoc = render(OVERLAY_PROMETHEUS, Renderer.FILES).rawById()
                .get(MONITORING_GROUP + "/v1/PrometheusRule/" + NAME);
        assertNotNull(ruleDoc);
        assertEquals(file.get("groups"), ((Map<String, Object>) ruleDoc.get("spec")).get("groups"),
                "k8s/monitoring/peermesh-alerts.rules.yml and overlays/prometheus-operator/prometheusrule.yaml differ");
        PrometheusRuleSpec typed = SERIALIZATION.convertValue(file, PrometheusRuleSpec.class);
        List<String> unknown = unknownFields(typed, PROJECT.relativize(ALERT_RULES).toString());
        assertTrue(unknown.isEmpty(), () -> String.join("\n", unknown));
        assertEquals(ALERTS, typed.getGroups().stream().flatMap(g -> g.getRules().stream()).map(Rule::getAlert)
                .collect(Collectors.toSet()));
    }

    @Test
    void grafanaOverlay() throws Exception {
        Rendered r = render(OVERLAY_GRAFANA, defaultRenderer());
        assertBase(r);
        var cm = r.one(io.fabric8.kubernetes.api.model.ConfigMap.class, "peermesh-dashboard");
        assertEquals("1", cm.getMetadata().getLabels().get("grafana_dashboard"), "Grafana sidecar label");
        assertEquals(Set.of("peermesh-dashboard.json"), cm.getData().keySet());
        assertEquals(read(DASHBOARD), cm.getData().get("peermesh-dashboard.json"), "the ConfigMap holds the dashboard file");
        assertFalse(Files.exists(K8S.resolve("monitoring/peermesh-dashboard.json")),
                "keep one dashboard file (in overlays/grafana, where kustomize may load it)");

        JsonNode dash = JSON.readTree(DASHBOARD.toFile());
        assertTrue(dash.path("uid").isTextual() && dash.path("title").isTextual(), "uid and title");
        Map<String, JsonNode> vars = new LinkedHashMap<>();
        dash.path("templating").path("list").forEach(v -> vars.put(v.path("name").asText(), v));
        JsonNode ds = vars.get("datasource");
        assertNotNull(ds, "a `datasource` template variable");
        assertEquals("datasource", ds.path("type").asText());
        assertEquals("prometheus", ds.path("query").asText());
        assertTrue(vars.containsKey("pod") || vars.containsKey("instance"), "a pod or instance variable");
        Set<Integer> ids = new TreeSet<>();
        Set<String> titles = new TreeSet<>();
        List<JsonNode> panels = new ArrayList<>();
        dash.path("panels").forEach(p -> {
            panels.add(p);
            p.path("panels").forEach(panels::add); // collapsed rows hold their panels
        });
        for (JsonNode p : panels) {
            assertTrue(ids.add(p.path("id").asInt()), "unique panel id " + p.path("id"));
            if ("row".equals(p.path("type").asText())) {
                continue;
            }
            String title = p.path("title").asText();
            titles.add(title);
            assertEquals("${datasource}", p.path("datasource").path("uid").asText(), title + ": panel datasource");
            assertTrue(p.path("targets").size() > 0, title + " has queries");
            for (JsonNode t : p.path("targets")) {
                assertFalse(t.path("expr").asText().isBlank(), title + " expr");
                assertEquals("${datasource}", t.path("datasource").path("uid").asText(), title + ": target datasource");
            }
            JsonNode pos = p.path("gridPos");
            assertTrue(pos.path("w").asInt() > 0 && pos.path("h").asInt() > 0
                    && pos.path("x").asInt() + pos.path("w").asInt() <= 24, title + " gridPos");
        }
        for (String needed : List.of("Peers per node", "Mesh completeness", "Handshakes by result",
                "Ping RTT p50 / p99 per node", "Messages in / out by type", "Bytes in / out per node", "Peer timeouts",
                "Protocol errors by reason", "Discovery lookups by result", "JVM heap used", "CPU usage")) {
            assertTrue(titles.contains(needed), "panel " + needed + " in " + titles);
        }
    }

    /** The test helpers themselves: a misspelled field must be reported, with its path. */
    @Test
    void unknownFieldWalkerCatchesMisspelledFields() {
        String yaml = """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: x}
                spec:
                  podManagmentPolicy: Parallel
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: c
                          image: i
                          securityContext: {readOnlyRootFileSystem: true}
                          resources: {limits: {cpu: "1"}}
                """;
        KubernetesResource typed = SERIALIZATION.convertValue(readDocuments(yaml, "inline").get(0), KubernetesResource.class);
        List<String> problems = unknownFields(typed, "x");
        assertEquals(2, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("x.spec: unknown field(s) [podManagmentPolicy]"), problems::toString);
        assertTrue(problems.get(1).startsWith("x.spec.template.spec.containers[0].securityContext: unknown field(s) "
                + "[readOnlyRootFileSystem]"), problems::toString);

        KubernetesResource unknownKind = SERIALIZATION.convertValue(
                Map.of("apiVersion", "monitoring.coreos.com/v1", "kind", "PodMonitr", "metadata", Map.of("name", "x")),
                KubernetesResource.class);
        assertTrue(unknownFields(unknownKind, "x").get(0).contains("no typed model"));

        assertFalse(TLS_REGISTRY_ENV.matcher("KEY_STORE_PEM_0_CERT").matches(), "an unquoted index is lost");
        assertTrue(TLS_REGISTRY_ENV.matcher("KEY_STORE_PEM__0__KEY").matches());
        assertTrue(TLS_REGISTRY_ENV.matcher("KEY_STORE_PEM_NODE_CERT").matches());
        assertFalse(configHasKey(P2pConfig.class, List.of("PING", "INTERVALL")));
        assertTrue(configHasKey(P2pConfig.class, List.of("PING", "INTERVAL")));
        assertTrue(configHasKey(P2pConfig.class, List.of("METADATA", "ZONE")), "a key of the p2p.metadata map");
        assertFalse(configHasKey(P2pConfig.class, List.of("METADATAZONE")));
        assertEquals("peermesh", imageName("peermesh:0.1.0"));
        assertEquals("localhost:5000/peermesh", imageName("localhost:5000/peermesh"));
    }

    @Test
    void imageIsSetThroughKustomizeImages() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> images = (List<Map<String, Object>>) readKustomization(BASE).get("images");
        assertNotNull(images, "base kustomization has images:");
        Map<String, Object> image = images.stream().filter(i -> NAME.equals(i.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("images: entry named peermesh"));
        assertNotNull(image.get("newTag"), "images: peermesh has a newTag");
        List<Map<String, Object>> statefulSetFile = readDocuments(read(BASE.resolve("statefulset.yaml")), "statefulset.yaml");
        StatefulSet raw = SERIALIZATION.convertValue(statefulSetFile.get(0), StatefulSet.class);
        assertEquals(NAME, container(raw.getSpec().getTemplate().getSpec()).getImage(),
                "statefulset.yaml names the image `peermesh` without a tag; kustomize images: sets it");
        String expected = image.getOrDefault("newName", NAME) + ":" + image.get("newTag");
        for (Renderer renderer : kubectlWorks() ? List.of(Renderer.KUBECTL, Renderer.FILES) : List.of(Renderer.FILES)) {
            StatefulSet sts = render(K8S, renderer).one(StatefulSet.class, NAME);
            assertEquals(expected, container(sts.getSpec().getTemplate().getSpec()).getImage(), renderer.name());
        }
    }

    /**
     * The Quarkus TLS registry keys an overlay may set for the configuration P2P_TLS_CONFIGURATION_NAME
     * names (QUARKUS_TLS_<NAME>_...): certificate and key (PEM, under a map key), trust store (PEM).
     * A numeric map key must be quoted (PEM__0__CERT): PEM_0_CERT is read as a list index and is lost.
     */
    static final java.util.regex.Pattern TLS_REGISTRY_ENV = java.util.regex.Pattern.compile(
            "KEY_STORE_PEM_(_[0-9]+_|[A-Z][A-Z0-9]*)_(CERT|KEY)|TRUST_STORE_PEM_CERTS");

    @ParameterizedTest(name = "k8s/{0}")
    @MethodSource("kustomizations")
    void p2pEnvironmentVariablesAreKeysOfP2pConfig(Path dir) {
        StatefulSet sts = render(dir, defaultRenderer()).one(StatefulSet.class, NAME);
        boolean discoveryInConfig = Arrays.stream(P2pConfig.class.getMethods())
                .anyMatch(m -> m.getName().startsWith("discovery"));
        List<EnvVar> envs = container(sts.getSpec().getTemplate().getSpec()).getEnv();
        String tlsName = envs.stream().filter(e -> e.getName().equals("P2P_TLS_CONFIGURATION_NAME")).map(EnvVar::getValue)
                .findFirst().orElse(null);
        List<String> unknown = new ArrayList<>();
        for (EnvVar env : envs) {
            if (env.getName().startsWith("QUARKUS_TLS_")) {
                // Quarkus' own keys, allowed for the TLS configuration the peer port uses, and only those.
                String prefix = tlsName == null ? null
                        : "QUARKUS_TLS_" + tlsName.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_";
                if (prefix == null || !env.getName().startsWith(prefix)
                        || !TLS_REGISTRY_ENV.matcher(env.getName().substring(prefix.length())).matches()) {
                    unknown.add(env.getName() + " (not a key-store/trust-store key of the TLS configuration named by "
                            + "P2P_TLS_CONFIGURATION_NAME=" + tlsName + ")");
                }
                continue;
            }
            if (!env.getName().startsWith("P2P_")) {
                continue;
            }
            List<String> segments = List.of(env.getName().substring("P2P_".length()).split("_"));
            if (!configHasKey(P2pConfig.class, segments)
                    && !(!discoveryInConfig && PENDING_DISCOVERY_ENV.contains(env.getName()))) {
                unknown.add(env.getName());
            }
        }
        assertTrue(unknown.isEmpty(), () -> "P2P_* variables that are no key of P2pConfig (the app rejects unknown "
                + "p2p.* keys at start), or stray QUARKUS_TLS_* variables: " + unknown);
    }

    /**
     * k8s/overlays/mtls: the base plus, on the StatefulSet only, the Secret peermesh-tls mounted
     * read-only and the TLS environment; the files named there are the Secret's keys.
     */
    @Test
    @SuppressWarnings("unchecked")
    void mtlsOverlayMountsTheSecretAndPointsTheTlsConfigurationAtIt() throws Exception {
        Rendered r = render(OVERLAY_MTLS, defaultRenderer());
        assertBase(r);
        PodSpec pod = r.one(StatefulSet.class, NAME).getSpec().getTemplate().getSpec();
        Container c = container(pod);

        Volume volume = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst()
                .orElseThrow(() -> new AssertionError("a Secret volume"));
        assertEquals("peermesh-tls", volume.getSecret().getSecretName());
        assertEquals(0440, volume.getSecret().getDefaultMode(), "key readable by the pod's group only");
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("the Secret is mounted"));
        assertEquals(Boolean.TRUE, mount.getReadOnly(), "mounted read-only");
        assertEquals("/etc/peermesh/tls", mount.getMountPath());

        Map<String, String> env = new TreeMap<>();
        c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertEquals("peer", env.get("P2P_TLS_CONFIGURATION_NAME"));
        assertEquals(mount.getMountPath() + "/tls.crt", env.get("QUARKUS_TLS_PEER_KEY_STORE_PEM__0__CERT"));
        assertEquals(mount.getMountPath() + "/tls.key", env.get("QUARKUS_TLS_PEER_KEY_STORE_PEM__0__KEY"));
        assertEquals(mount.getMountPath() + "/ca.crt", env.get("QUARKUS_TLS_PEER_TRUST_STORE_PEM_CERTS"));

        // Nothing else differs from the base: remove what the patch adds and the StatefulSet is the base's.
        Map<String, Map<String, Object>> base = render(BASE, defaultRenderer()).rawById();
        Map<String, Map<String, Object>> overlay = r.rawById();
        assertEquals(base.keySet(), overlay.keySet(), "the same objects as the base, no more");
        String stsId = "apps/v1/StatefulSet/" + NAME;
        base.forEach((id, doc) -> {
            if (!id.equals(stsId)) {
                assertEquals(doc, overlay.get(id), id + " as in the base");
            }
        });
        Map<String, Object> sts = overlay.get(stsId);
        Map<String, Object> podSpec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) sts.get("spec"))
                .get("template")).get("spec");
        Map<String, Object> container = ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
        ((List<Map<String, Object>>) container.get("env")).removeIf(e -> String.valueOf(e.get("name")).startsWith("QUARKUS_TLS_")
                || "P2P_TLS_CONFIGURATION_NAME".equals(e.get("name")));
        ((List<Map<String, Object>>) container.get("volumeMounts")).removeIf(m -> volume.getName().equals(m.get("name")));
        ((List<Map<String, Object>>) podSpec.get("volumes")).removeIf(v -> volume.getName().equals(v.get("name")));
        assertEquals(base.get(stsId), sts, "the overlay changes only the TLS env, mount and volume");
    }

    // ---------------------------------------------------------------------------------------------
    // The base, wherever it is rendered

    static void assertBase(Rendered r) throws Exception {
        String s = r.source + ": ";
        int httpPort = httpPortFromApplicationProperties();
        int peerPort = peerPortDefault();
        assertEquals(8080, httpPort, "quarkus.http.port");
        assertEquals(5999, peerPort, "P2pConfig.port() default");

        ServiceAccount sa = r.one(ServiceAccount.class, NAME);
        assertEquals(Boolean.FALSE, sa.getAutomountServiceAccountToken(), s + "no API token");

        StatefulSet sts = r.one(StatefulSet.class, NAME);
        var spec = sts.getSpec();
        assertEquals(HEADLESS, spec.getServiceName(), s + "serviceName is the headless Service");
        assertEquals("Parallel", spec.getPodManagementPolicy(),
                s + "OrderedReady would wait forever for peermesh-0 to be ready alone");
        assertTrue(spec.getReplicas() != null && spec.getReplicas() >= 2, s + "one replica is never ready (min-peers 1)");
        assertEquals(3, spec.getReplicas());
        Map<String, String> podLabels = spec.getTemplate().getMetadata().getLabels();
        for (String label : RECOMMENDED_LABELS) {
            assertNotNull(podLabels.get(label), s + "pod label " + label);
        }
        assertTrue(selects(spec.getSelector().getMatchLabels(), podLabels), s + "StatefulSet selector matches its pods");
        assertFalse(spec.getSelector().getMatchLabels().containsKey("app.kubernetes.io/version"),
                s + "no version in the (immutable) selector");

        PodSpec pod = spec.getTemplate().getSpec();
        Container c = container(pod);
        ContainerPort http = containerPort(c, "http");
        ContainerPort peer = containerPort(c, "peer");
        assertEquals(httpPort, http.getContainerPort(), s + "http port = quarkus.http.port");
        assertEquals(peerPort, peer.getContainerPort(), s + "peer port = p2p.port default");

        // Probes
        assertProbe(s + "startupProbe", c.getStartupProbe(), "/q/health/started", c, httpPort);
        assertProbe(s + "livenessProbe", c.getLivenessProbe(), "/q/health/live", c, httpPort);
        assertProbe(s + "readinessProbe", c.getReadinessProbe(), "/q/health/ready", c, httpPort);
        assertNotEquals(c.getLivenessProbe().getHttpGet().getPath(), c.getReadinessProbe().getHttpGet().getPath(),
                s + "liveness must not depend on peers");
        assertTrue(c.getStartupProbe().getFailureThreshold() * c.getStartupProbe().getPeriodSeconds() >= 30,
                s + "at least 30 s to start");

        // Environment
        Map<String, EnvVar> env = new LinkedHashMap<>();
        c.getEnv().forEach(e -> assertTrue(env.put(e.getName(), e) == null, s + "duplicate env " + e.getName()));
        assertEquals("status.podIP", env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath(), s + "POD_IP");
        assertEquals("$(POD_IP):" + peerPort, env.get("P2P_ADVERTISE").getValue(), s + "P2P_ADVERTISE");
        List<String> order = new ArrayList<>(env.keySet());
        assertTrue(order.indexOf("POD_IP") < order.indexOf("P2P_ADVERTISE"),
                s + "POD_IP must come before P2P_ADVERTISE for $(POD_IP) to expand");
        assertEquals(String.valueOf(peerPort), env.get("P2P_PORT").getValue(), s + "P2P_PORT");
        String dns = env.get("P2P_DISCOVERY_DNS").getValue();
        assertTrue(dns.equals(HEADLESS) || dns.startsWith(HEADLESS + "."), s + "P2P_DISCOVERY_DNS names the headless Service");
        assertNotNull(env.get("P2P_DISCOVERY_DNS_INTERVAL"), s + "P2P_DISCOVERY_DNS_INTERVAL");
        assertEquals("1", env.get("P2P_MIN_PEERS").getValue());
        assertTrue(env.get("JAVA_OPTS_APPEND").getValue().contains("-XX:MaxRAMPercentage="), s + "heap sized from the limit");
        // It replaces the image's JAVA_OPTS_APPEND: the LogManager and the AppCDS archive must not get lost.
        List<String> podOpts = Arrays.asList(env.get("JAVA_OPTS_APPEND").getValue().trim().split("\\s+"));
        for (String opt : JvmFlagsTest.imageJavaOptsAppend()) {
            assertTrue(podOpts.contains(opt), s + "JAVA_OPTS_APPEND keeps the image's " + opt);
        }
        assertFalse(env.containsKey("GC_CONTAINER_OPTIONS"), s + "the image's collector (serial) is kept");
        // Node metadata from the downward API: the zone is the node's name (a pod cannot read its
        // node's topology labels), the version the pod's own version label, equal to the image tag.
        assertEquals("spec.nodeName", fieldRef(env, "P2P_METADATA_ZONE"), s + "P2P_METADATA_ZONE");
        assertEquals("metadata.labels['app.kubernetes.io/version']", fieldRef(env, "P2P_METADATA_VERSION"),
                s + "P2P_METADATA_VERSION");
        String image = c.getImage();
        String tag = image.substring(imageName(image).length()).replaceFirst("^:", "");
        assertEquals(tag, podLabels.get("app.kubernetes.io/version"),
                s + "pod label app.kubernetes.io/version (P2P_METADATA_VERSION) is the image tag of " + image);

        // Resources
        for (String kind : List.of("cpu", "memory")) {
            Quantity request = c.getResources().getRequests().get(kind);
            Quantity limit = c.getResources().getLimits().get(kind);
            assertNotNull(request, s + "request " + kind);
            assertNotNull(limit, s + "limit " + kind);
            assertTrue(Quantity.getAmountInBytes(request).compareTo(Quantity.getAmountInBytes(limit)) <= 0,
                    s + kind + " request <= limit");
        }

        // Security
        assertEquals(NAME, pod.getServiceAccountName());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), s + "pod automountServiceAccountToken");
        PodSecurityContext psc = pod.getSecurityContext();
        assertEquals(Boolean.TRUE, psc.getRunAsNonRoot(), s + "runAsNonRoot");
        assertEquals(185L, psc.getRunAsUser(), s + "runAsUser (UBI openjdk image user)");
        assertEquals(185L, psc.getRunAsGroup(), s + "runAsGroup");
        assertNotNull(psc.getFsGroup(), s + "fsGroup");
        assertEquals("RuntimeDefault", psc.getSeccompProfile().getType(), s + "seccomp");
        SecurityContext sc = c.getSecurityContext();
        assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), s + "allowPrivilegeEscalation");
        assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), s + "readOnlyRootFilesystem");
        assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), s + "drop ALL capabilities");
        assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), s + "no added caps");
        VolumeMount tmp = c.getVolumeMounts().stream().filter(m -> "/tmp".equals(m.getMountPath())).findFirst()
                .orElseThrow(() -> new AssertionError(s + "a volume on /tmp"));
        Volume tmpVolume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(s + "volume " + tmp.getName()));
        assertNotNull(tmpVolume.getEmptyDir(), s + "/tmp is an emptyDir");

        // Shutdown
        assertEquals(3L, c.getLifecycle().getPreStop().getSleep().getSeconds(), s + "preStop sleep action");
        assertTrue(pod.getTerminationGracePeriodSeconds() > c.getLifecycle().getPreStop().getSleep().getSeconds() + 5,
                s + "grace period covers preStop + shutdown");

        // Prometheus annotations
        Map<String, String> annotations = spec.getTemplate().getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals("/q/metrics", annotations.get("prometheus.io/path"));
        assertEquals(String.valueOf(httpPort), annotations.get("prometheus.io/port"));

        // Services
        Service headless = r.one(Service.class, HEADLESS);
        assertEquals("None", headless.getSpec().getClusterIP(), s + "headless");
        assertEquals(Boolean.TRUE, headless.getSpec().getPublishNotReadyAddresses(),
                s + "discovery must see not-ready pods, or none ever gets a peer and becomes ready");
        assertTrue(selects(headless.getSpec().getSelector(), podLabels), s + "headless Service selects the pods");
        ServicePort peerService = servicePort(headless, "peer");
        assertEquals(peerPort, peerService.getPort());
        assertEquals(peerPort, resolvePort(c, peerService.getTargetPort()), s + "peer Service targets the peer port");

        Service service = r.one(Service.class, NAME);
        assertNotEquals("None", service.getSpec().getClusterIP(), s + "client Service is not headless");
        assertTrue(selects(service.getSpec().getSelector(), podLabels), s + "Service selects the pods");
        ServicePort httpService = servicePort(service, "http");
        assertEquals(httpPort, httpService.getPort());
        assertEquals(httpPort, resolvePort(c, httpService.getTargetPort()), s + "Service targets the http port");

        // PodDisruptionBudget
        PodDisruptionBudget pdb = r.one(PodDisruptionBudget.class, NAME);
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), s + "PDB maxUnavailable 1");
        assertTrue(selects(pdb.getSpec().getSelector().getMatchLabels(), podLabels), s + "PDB selects the pods");

        assertNetworkPolicy(s, r.one(NetworkPolicy.class, NAME), podLabels, c, peerPort, httpPort);
    }

    static void assertNetworkPolicy(String s, NetworkPolicy np, Map<String, String> podLabels, Container c, int peerPort,
            int httpPort) {
        assertTrue(selects(np.getSpec().getPodSelector().getMatchLabels(), podLabels), s + "NetworkPolicy selects the pods");
        assertTrue(np.getSpec().getPolicyTypes().contains("Ingress"));
        boolean peerFromPeers = false;
        boolean httpFromAnywhere = false;
        for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
            List<Integer> ports = rule.getPorts() == null ? List.of() : rule.getPorts().stream()
                    .map(NetworkPolicyPort::getPort).map(p -> resolvePort(c, p)).toList();
            List<NetworkPolicyPeer> from = rule.getFrom() == null ? List.of() : rule.getFrom();
            if (ports.contains(peerPort)) {
                assertFalse(from.isEmpty(), s + "the peer port is not open to everyone");
                for (NetworkPolicyPeer peer : from) {
                    assertTrue(peer.getNamespaceSelector() == null && peer.getIpBlock() == null,
                            s + "peer port only from pods of this namespace");
                    assertTrue(selects(peer.getPodSelector().getMatchLabels(), podLabels),
                            s + "peer port 'from' selects the peermesh pods");
                    assertEquals(np.getSpec().getPodSelector().getMatchLabels(), peer.getPodSelector().getMatchLabels(),
                            s + "peer port 'from' selects the same pods as the policy");
                }
                peerFromPeers = true;
            }
            if (ports.contains(httpPort) && from.isEmpty()) {
                httpFromAnywhere = true;
            }
            assertFalse(ports.isEmpty(), s + "every ingress rule names its ports");
        }
        assertTrue(peerFromPeers, s + "an ingress rule for the peer port");
        assertTrue(httpFromAnywhere, s + "HTTP open for probes and Prometheus");
    }

    /** The downward-API field an env variable is set from; fails when it is missing or set otherwise. */
    static String fieldRef(Map<String, EnvVar> env, String name) {
        EnvVar e = env.get(name);
        assertNotNull(e, "env " + name);
        assertTrue(e.getValue() == null && e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null,
                name + " comes from a fieldRef: " + e);
        return e.getValueFrom().getFieldRef().getFieldPath();
    }

    static void assertProbe(String what, Probe probe, String path, Container c, int httpPort) {
        assertNotNull(probe, what);
        HTTPGetAction get = probe.getHttpGet();
        assertNotNull(get, what + " is an HTTP GET");
        assertEquals(path, get.getPath(), what + " path");
        assertEquals(httpPort, resolvePort(c, get.getPort()), what + " port is the http port");
        assertNotNull(probe.getPeriodSeconds(), what + " periodSeconds");
        assertNotNull(probe.getTimeoutSeconds(), what + " timeoutSeconds");
        assertNotNull(probe.getFailureThreshold(), what + " failureThreshold");
    }

    static Container container(PodSpec pod) {
        List<Container> named = pod.getContainers().stream().filter(x -> NAME.equals(x.getName())).toList();
        assertEquals(1, named.size(), "one container named peermesh");
        return named.get(0);
    }

    static ContainerPort containerPort(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("container port named " + name));
    }

    static ServicePort servicePort(Service service, String name) {
        return service.getSpec().getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(service.getMetadata().getName() + ": port named " + name));
    }

    /** A port given as a number or as the name of a container port. */
    static int resolvePort(Container c, IntOrString port) {
        assertNotNull(port, "port");
        return port.getStrVal() != null ? containerPort(c, port.getStrVal()).getContainerPort() : port.getIntVal();
    }

    /** A non-empty equality selector matching the labels. */
    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
