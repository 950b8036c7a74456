package io.peermesh.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** p2p.tls.configuration-name naming a TLS configuration that does not exist stops the start, saying what to set. */
@QuarkusMainTest
@TestProfile(UnknownTlsConfigurationTest.NameWithoutConfiguration.class)
class UnknownTlsConfigurationTest {

    public static class NameWithoutConfiguration implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("p2p.tls.configuration-name", "mesh");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingTheKeysToSet(LaunchResult result) {
        assertEquals(1, result.exitCode());
        String output = result.getOutput() + "\n" + result.getErrorOutput();
        assertTrue(output.contains("p2p.tls.configuration-name is 'mesh'"), output);
        assertTrue(output.contains("quarkus.tls.mesh.key-store.pem.0.cert"), output);
        assertTrue(output.contains("quarkus.tls.mesh.key-store.pem.0.key"), output);
        assertTrue(output.contains("quarkus.tls.mesh.trust-store.pem.certs"), output);
        assertTrue(output.contains("QUARKUS_TLS_MESH_KEY_STORE_PEM__0__CERT"), output);
        assertFalse(output.contains("Listening on: http"), "HTTP must not come up\n" + output);
    }
}
