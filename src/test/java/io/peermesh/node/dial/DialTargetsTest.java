package io.peermesh.node.dial;

import io.peermesh.wire.HostPort;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The in-flight count is kept as targets move; it must always equal a walk of the table. */
class DialTargetsTest {

    private static int walk(DialTargets targets) {
        int n = 0;
        for (DialTarget t : targets) {
            n += t.inFlight() ? 1 : 0;
        }
        return n;
    }

    @Test
    void theInFlightCountEqualsAWalkThroughEveryMoveAddAndRemove() {
        DialTargets targets = new DialTargets();
        DialTarget.State[] states = DialTarget.State.values();
        SplittableRandom random = new SplittableRandom(7);
        for (int step = 0; step < 20_000; step++) {
            HostPort a = new HostPort("10.0.0." + random.nextInt(1, 40), 5999);
            switch (random.nextInt(5)) {
                case 0 -> targets.computeIfAbsent(a, x -> new DialTarget(x, DialTarget.Source.GOSSIP));
                case 1 -> targets.remove(a);
                case 2 -> {
                    Iterator<DialTarget> it = targets.iterator();
                    while (it.hasNext()) {
                        if (it.next().address.equals(a)) {
                            it.remove();
                        }
                    }
                }
                case 3 -> {
                    DialTarget fresh = new DialTarget(a, DialTarget.Source.DNS);
                    fresh.state = states[random.nextInt(states.length)]; // a target may be added in flight
                    targets.add(fresh);
                }
                default -> {
                    DialTarget t = targets.get(a);
                    if (t != null) {
                        targets.move(t, states[random.nextInt(states.length)]);
                    }
                }
            }
            assertEquals(walk(targets), targets.inFlightCount(), "after step " + step);
        }
    }
}
