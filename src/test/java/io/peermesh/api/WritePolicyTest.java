package io.peermesh.api;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WritePolicyTest {

    @Test
    void loopbackAllowsOnlyLoopbackAddresses() {
        assertNull(WritePolicy.LOOPBACK.refusal("127.0.0.1"));
        assertNull(WritePolicy.LOOPBACK.refusal("::1"));
        assertNull(WritePolicy.LOOPBACK.refusal("0:0:0:0:0:0:0:1"));
        assertNotNull(WritePolicy.LOOPBACK.refusal("10.0.0.7"));
        assertNotNull(WritePolicy.LOOPBACK.refusal(null));
        assertNull(WritePolicy.ON.refusal("10.0.0.7"));
        assertNotNull(WritePolicy.OFF.refusal("127.0.0.1"));
    }

    @Test
    void anInvalidValueSaysWhatToSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WritePolicy.parse("yes"));
        assertTrue(e.getMessage().contains("p2p.api.writes must be off, loopback or on"), e.getMessage());
    }
}
