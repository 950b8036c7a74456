package io.peermesh.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bootstrap entry that is not host:port stops the start, naming the key and the entry. */
@QuarkusMainTest
@TestProfile(BadBootstrapConfigTest.BootstrapWithoutPort.class)
class BadBootstrapConfigTest {

    public static class BootstrapWithoutPort implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("p2p.bootstrap", "nohostport");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingBootstrap(LaunchResult result) {
        assertEquals(1, result.exitCode());
        String output = result.getOutput() + "\n" + result.getErrorOutput();
        assertTrue(output.contains("p2p.bootstrap"), output);
        assertTrue(output.contains("nohostport"), output);
    }
}
