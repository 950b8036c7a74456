package io.peermesh.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator runs the real core: a mesh forms in virtual time, the same seed gives the same run. */
@org.junit.jupiter.api.extension.ExtendWith(QuietLogs.class)
class SimBasicsTest {

    private static long formMesh(long seed, int n) {
        SimCluster c = new SimCluster(seed);
        c.startAll(n, Duration.ofSeconds(1), b -> b);
        boolean meshed = c.sim().runUntil(c::fullMesh, Duration.ofSeconds(60));
        assertTrue(meshed, "full mesh of " + n + " within 60 virtual s; " + c.sim().replayHint("formMesh"));
        c.sim().runFor(Duration.ofSeconds(20)); // quiescence
        List<String> problems = c.disagreements();
        assertTrue(problems.isEmpty(), problems + " " + c.sim().replayHint("formMesh"));
        assertTrue(c.allReady());
        return c.sim().traceHash();
    }

    @Test
    void aTenNodeMeshFormsAndEveryPairAgreesOnOneConnection() {
        formMesh(1, 10);
    }

    @Test
    void theSameSeedGivesTheSameRunAndAnotherSeedAnotherOne() {
        long a = formMesh(42, 8);
        long b = formMesh(42, 8);
        long c = formMesh(43, 8);
        assertEquals(a, b, "same seed, same trace");
        assertTrue(a != c, "another seed, another trace");
    }
}
