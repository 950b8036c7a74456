package io.peermesh.node.dial;

import io.peermesh.node.events.LinkProblem;
import io.peermesh.runtime.Loop;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The transitions of a {@link DialTarget} that arm or end its re-dial timer: wait for the other end
 * to dial first (WAITING), back off after a failure or loss (BACKOFF, with {@link Backoff}), or
 * forget it; connected (CONNECTED) and this node itself (SELF) end the timer. A timer that fires
 * dials the target through the dial function it was given.
 *
 * <p>Threading: every method runs on the node's event loop.
 */
public final class TargetTransitions {

    /** The dialer's logger name, as before the split (log configs and filters name it). */
    private static final Logger LOG = Logger.getLogger("io.peermesh.node.dial.Dialer");
    /** A gossip-only address that failed this often in a row is forgotten. */
    static final int GOSSIP_FAILURES_TO_FORGET = 4;
    /** How long (plus up to half again, jitter) a node waits for the other end to dial first (see Dialer#yieldsTo). */
    static final long YIELD_MILLIS = 2000;

    private final Loop loop;
    private final Backoff backoff;
    private final Dialer.Host host;
    private final DialTargets targets;
    private final GrayLinks grayLinks;
    private final Consumer<DialTarget> dial;

    TargetTransitions(Loop loop, Backoff backoff, Dialer.Host host, DialTargets targets, GrayLinks grayLinks,
            Consumer<DialTarget> dial) {
        this.loop = loop;
        this.backoff = backoff;
        this.host = host;
        this.targets = targets;
        this.grayLinks = grayLinks;
        this.dial = dial;
    }

    void waitForPeerToDial(DialTarget t) {
        if (host.stopping()) {
            return;
        }
        long delay = YIELD_MILLIS + loop.random().nextLong(YIELD_MILLIS / 2);
        targets.move(t, DialTarget.State.WAITING);
        t.nextAttemptAtMillis = loop.currentTimeMillis() + delay;
        t.timerId = loop.schedule(delay, () -> {
            t.timerId = -1;
            dial.accept(t);
        });
    }

    void markSelf(DialTarget t, String why) {
        cancelTimer(t);
        if (t.state != DialTarget.State.SELF) {
            targets.move(t, DialTarget.State.SELF);
            t.problem = null;
            LOG.info(() -> "not dialling " + t.address + " again: " + why);
            host.targetsChanged();
        }
    }

    void markConnected(DialTarget t, String nodeId) {
        cancelTimer(t);
        t.nodeId = nodeId;
        targets.move(t, DialTarget.State.CONNECTED);
        t.failures = 0;
        t.problem = t.link == LinkProblem.ONE_WAY ? t.problem : null;
        host.targetsChanged();
    }

    void retryLater(DialTarget t, String problem) {
        if (t.state == DialTarget.State.SELF) {
            return; // final: an address that leads back to this node is never dialled again
        }
        cancelTimer(t);
        t.problem = problem;
        if (host.stopping()) {
            targets.move(t, DialTarget.State.IDLE);
            return;
        }
        // Nobody vouches for it any more: DNS withdrew it while a dial was in flight (withdrawDnsExcept
        // keeps such a target until the dial ends; a gray listener keeps each dial in its handshake
        // for handshake-timeout, so this is common: sidecar.sh). Or only hearsay did, and it keeps failing.
        if (t.sources.isEmpty()
                || (t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP)) && t.failures >= GOSSIP_FAILURES_TO_FORGET)) {
            grayLinks.setLink(t, null, null);
            targets.remove(t.address);
            host.targetsChanged();
            return;
        }
        long delay = backoff.delayMillis(t.failures);
        t.failures = Math.min(t.failures + 1, 30);
        targets.move(t, DialTarget.State.BACKOFF);
        t.nextAttemptAtMillis = loop.currentTimeMillis() + delay;
        t.timerId = loop.schedule(delay, () -> {
            t.timerId = -1;
            dial.accept(t);
        });
        host.targetsChanged();
    }

    void cancelTimer(DialTarget t) {
        if (t.timerId >= 0) {
            loop.cancel(t.timerId);
            t.timerId = -1;
        }
    }
}
