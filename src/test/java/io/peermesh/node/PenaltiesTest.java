package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The penalty rule of {@link Penalties}, in virtual time. */
class PenaltiesTest {

    private static final long SECOND = 1_000_000_000L;
    private static final String SHARED = "127.0.0.6"; // e.g. Istio's sidecar source address
    private final Penalties penalties = new Penalties(Duration.ofSeconds(60), 3);

    @Test
    void oneOffenceOnlyPenalisesTheAddressItNeverRefusesIt() {
        penalties.offence(SHARED, 0, false);
        assertEquals(Penalties.Verdict.PENALISED, penalties.verdict(SHARED, SECOND));
        penalties.offence(SHARED, SECOND, false);
        assertEquals(Penalties.Verdict.PENALISED, penalties.verdict(SHARED, 2 * SECOND));
        assertEquals(Penalties.Verdict.CLEAR, penalties.verdict("10.0.0.9", 2 * SECOND), "other addresses untouched");
    }

    @Test
    void theThresholdOfOffencesWithinTheWindowRefusesTheAddress() {
        for (int i = 0; i < 3; i++) {
            penalties.offence(SHARED, i * SECOND, false);
        }
        assertEquals(Penalties.Verdict.REFUSED, penalties.verdict(SHARED, 3 * SECOND));
        // refused for ban-duration after the last offence, then clear
        assertEquals(Penalties.Verdict.REFUSED, penalties.verdict(SHARED, 61 * SECOND));
        assertEquals(Penalties.Verdict.CLEAR, penalties.verdict(SHARED, 62 * SECOND));
    }

    @Test
    void offencesSpreadWiderThanTheWindowNeverAddUpToARefusal() {
        penalties.offence(SHARED, 0, false);
        penalties.offence(SHARED, 30 * SECOND, false);
        penalties.offence(SHARED, 61 * SECOND, false); // the series of the first expired: this starts a new one
        assertEquals(Penalties.Verdict.PENALISED, penalties.verdict(SHARED, 62 * SECOND));
    }

    @Test
    void aValidHandshakeFromTheAddressWipesItsOffences() {
        penalties.offence(SHARED, 0, false);
        penalties.offence(SHARED, SECOND, false);
        penalties.validHandshake(SHARED, "legit", 2 * SECOND); // a real peer behind the same sidecar
        penalties.offence(SHARED, 3 * SECOND, false);
        penalties.offence(SHARED, 4 * SECOND, false);
        assertEquals(Penalties.Verdict.PENALISED, penalties.verdict(SHARED, 5 * SECOND), "never three in a row");
    }

    @Test
    void anAddressThatAPeerUsedWithinTheWindowIsNeverRefused() {
        penalties.validHandshake(SHARED, "legit", 0);
        for (int i = 1; i <= 10; i++) {
            penalties.offence(SHARED, i * SECOND, false); // a stranger behind the same sidecar, over and over
        }
        assertEquals(Penalties.Verdict.PENALISED, penalties.verdict(SHARED, 11 * SECOND));
        for (int i = 61; i <= 63; i++) {
            penalties.offence(SHARED, i * SECOND, false); // no peer from there for a whole window now
        }
        assertEquals(Penalties.Verdict.REFUSED, penalties.verdict(SHARED, 64 * SECOND));
    }

    @Test
    void anAddressAPeerIsConnectedFromIsNeverRefusedHoweverOldItsHandshake() {
        penalties.validHandshake(SHARED, "legit", 0);
        for (int i = 61; i <= 70; i++) {
            penalties.offence(SHARED, i * SECOND, true); // the peer still connected, its handshake a window old
        }
        assertEquals(Penalties.Verdict.PENALISED, penalties.verdict(SHARED, 71 * SECOND));
    }

    @Test
    void aRecentPeerIsKnownForTheWindowOnly() {
        penalties.validHandshake(SHARED, "legit", 0);
        assertTrue(penalties.recentPeer("legit", 59 * SECOND));
        assertFalse(penalties.recentPeer("stranger", SECOND));
        assertFalse(penalties.recentPeer("legit", 60 * SECOND));
    }

    @Test
    void aZeroBanDurationHoldsNothingAgainstAnyone() {
        Penalties off = new Penalties(Duration.ZERO, 3);
        for (int i = 0; i < 10; i++) {
            off.offence(SHARED, i, false);
        }
        assertEquals(Penalties.Verdict.CLEAR, off.verdict(SHARED, 10));
    }

    @Test
    void theRecordsAreBounded() {
        for (int i = 0; i < Penalties.MAX_ENTRIES + 100; i++) {
            penalties.offence("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255), 0, false);
        }
        assertEquals(Penalties.MAX_ENTRIES, penalties.size());
    }
}
