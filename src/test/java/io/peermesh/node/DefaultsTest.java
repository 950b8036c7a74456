package io.peermesh.node;

import io.peermesh.node.config.Defaults;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Defaults' parsers read the forms the defaults use, as Quarkus does (ConfigDefaultsTest compares them). */
class DefaultsTest {

    @Test
    void durationsWithAUnitReadAsQuarkusReadsThem() {
        assertEquals(Duration.ofMillis(250), Defaults.duration("250ms"));
        assertEquals(Duration.ofSeconds(2), Defaults.duration("2s"));
        assertEquals(Duration.ofMinutes(5), Defaults.duration("5m"));
        assertEquals(Duration.ofHours(1), Defaults.duration("1h"));
        assertEquals(Duration.ZERO, Defaults.duration("0s"));
    }

    /** Forms Quarkus reads differently or this parser does not know: refused rather than misread. */
    @ParameterizedTest
    @ValueSource(strings = {"2", "PT2S", "1.5s", "2 s", "2S", "2d", "s", "", "-1s"})
    void otherDurationFormsAreRefused(String value) {
        assertThrows(IllegalArgumentException.class, () -> Defaults.duration(value));
    }

    @Test
    void onlyTrueAndFalseAreBooleans() {
        assertEquals(true, Defaults.bool("true"));
        assertEquals(false, Defaults.bool("false"));
        assertThrows(IllegalArgumentException.class, () -> Defaults.bool("yes"));
    }

    @Test
    void numbersAreDecimal() {
        assertEquals(65536, Defaults.integer(Defaults.MAX_FRAME_BYTES));
        assertEquals(200.0, Defaults.decimal(Defaults.LIMITS_MESSAGE_RATE));
        assertThrows(IllegalArgumentException.class, () -> Defaults.integer("64k"));
    }
}
