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

/** A ping timeout not longer than the ping interval stops the start, naming the key to change. */
@QuarkusMainTest
@TestProfile(BadPingTimeoutConfigTest.PingTimeoutShorterThanInterval.class)
class BadPingTimeoutConfigTest {

    public static class PingTimeoutShorterThanInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("p2p.ping-timeout", "1s", "p2p.ping-interval", "2s");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingPingTimeout(LaunchResult result) {
        assertEquals(1, result.exitCode());
        String output = result.getOutput() + "\n" + result.getErrorOutput();
        assertTrue(output.contains("p2p.ping-timeout"), output);
        assertTrue(output.contains("p2p.ping-interval"), output);
    }
}
