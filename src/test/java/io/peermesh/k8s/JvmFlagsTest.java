package io.peermesh.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JVM flags users run are the same wherever the project states them: the README's run command,
 * the start benchmark's command (StartBench measures exactly what users run), the build's AppCDS
 * training run (pom.xml) and the image (Dockerfile.jvm). The StatefulSet's side is checked by
 * {@link ManifestsTest} (it must repeat the image's JAVA_OPTS_APPEND, which it replaces).
 */
class JvmFlagsTest {

    /** The flags of a local run, in target/quarkus-app (the archive names the jar relative to it). */
    static final List<String> LOCAL = List.of("-XX:SharedArchiveFile=app-cds.jsa", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmn8m",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");
    static final Path DOCKERFILE = ManifestsTest.PROJECT.resolve("src/main/docker/Dockerfile.jvm");

    @Test
    void readmeRunsTheJarWithTheDeployedFlags() {
        String readme = ManifestsTest.read(ManifestsTest.PROJECT.resolve("README.md"));
        assertTrue(readme.contains("java " + String.join(" ", LOCAL)), "README's run command has " + LOCAL);
        assertTrue(readme.contains("cd target/quarkus-app"), "README runs from target/quarkus-app");
    }

    @Test
    void startBenchmarkMeasuresTheDeployedFlags() {
        String bench = ManifestsTest.read(ManifestsTest.PROJECT.resolve("src/bench/java/io/peermesh/bench/StartBench.java"));
        String quoted = LOCAL.stream().map(f -> "\"" + f + "\"").reduce((a, b) -> a + ", " + b).orElseThrow();
        assertTrue(bench.contains("DEPLOYED_FLAGS = List.of(" + quoted + ")"), "StartBench.DEPLOYED_FLAGS is " + LOCAL);
    }

    @Test
    void buildTrainsTheArchiveTheRunUses() {
        String pom = ManifestsTest.read(ManifestsTest.PROJECT.resolve("pom.xml"));
        assertTrue(pom.contains("<argument>-XX:ArchiveClassesAtExit=app-cds.jsa</argument>"), "pom: training writes app-cds.jsa");
        assertTrue(pom.contains("<argument>-Dquarkus.profile=cds-training</argument>"), "pom: training profile");
        assertTrue(pom.contains("<workingDirectory>${project.build.directory}/quarkus-app</workingDirectory>"),
                "pom: training runs in target/quarkus-app, as the README's command");
    }

    @Test
    void imageTrainsItsOwnArchiveAndRunsWithIt() {
        String dockerfile = ManifestsTest.read(DOCKERFILE);
        Matcher train = Pattern.compile("-XX:ArchiveClassesAtExit=(\\S+)").matcher(dockerfile);
        assertTrue(train.find(), "Dockerfile: training run");
        assertTrue(dockerfile.contains("-Dquarkus.profile=cds-training"), "Dockerfile: training profile");
        assertTrue(imageJavaOptsAppend().contains("-XX:SharedArchiveFile=" + train.group(1)),
                "Dockerfile: the runtime JAVA_OPTS_APPEND maps the archive the training wrote");
        assertTrue(dockerfile.contains("ENV GC_CONTAINER_OPTIONS=\"-XX:+UseSerialGC\""), "Dockerfile: serial GC");
        assertTrue(imageJavaOptsAppend().contains("-XX:TieredStopAtLevel=1"), "Dockerfile: C1 only, as the README's run");
        assertTrue(imageJavaOptsAppend().contains("-Xmn8m"), "Dockerfile: the young generation of the README's run");
        List<String> opts = imageJavaOptsAppend();
        int unlock = opts.indexOf("-XX:+UnlockDiagnosticVMOptions");
        assertTrue(unlock >= 0 && unlock < opts.indexOf("-XX:ArchiveRelocationMode=0"),
                "Dockerfile: the archives mapped at their base address (a diagnostic flag, after its unlock), as the README's run");
        assertTrue(!dockerfile.contains("target/quarkus-app/*.jsa") && !dockerfile.contains("app-cds.jsa /deployments"),
                "Dockerfile: the build machine's archive is not copied (it fits another JVM)");
    }

    /** The options of the last {@code ENV JAVA_OPTS_APPEND=} in the Dockerfile: what the container runs with. */
    static List<String> imageJavaOptsAppend() {
        Matcher m = Pattern.compile("(?m)^ENV JAVA_OPTS_APPEND=\"([^\"]*)\"").matcher(ManifestsTest.read(DOCKERFILE));
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        assertTrue(last != null, "Dockerfile sets JAVA_OPTS_APPEND");
        List<String> opts = Arrays.asList(last.trim().split("\\s+"));
        assertEquals(opts.size(), opts.stream().distinct().count(), "no option twice");
        return opts;
    }
}
