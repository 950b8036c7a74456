package io.peermesh.node;

import io.peermesh.discovery.LookupResult;
import io.peermesh.discovery.LookupStatus;
import io.peermesh.wire.HostPort;
import java.util.logging.Logger;

/**
 * What the last DNS lookups said, for readiness and for one piece of advice: a node that stays
 * alone while its DNS name keeps answering empty, or with only itself, is almost always behind a
 * headless Service that publishes only ready pods, which deadlocks with readiness-needs-a-peer.
 *
 * <p>Written on the node's event loop; read (volatile snapshot) by readiness.
 */
final class DnsOutcome {

    private static final Logger LOG = Logger.getLogger(DnsOutcome.class.getName());
    /** Lookups in a row alone with an empty or self-only answer before the advice is logged. */
    static final int ALONE_LOOKUPS_BEFORE_ADVICE = 3;

    private volatile LookupResult last;
    private volatile boolean onlySelf;
    private int aloneStreak;
    private boolean adviceLogged;

    void record(LookupResult result, HostPort self, int peers, String name) {
        last = result;
        onlySelf = result.status() == LookupStatus.OK && result.addresses().stream().allMatch(self::equals);
        boolean alone = peers == 0 && (result.status() == LookupStatus.EMPTY || onlySelf);
        aloneStreak = alone ? aloneStreak + 1 : 0;
        if (aloneStreak >= ALONE_LOOKUPS_BEFORE_ADVICE && !adviceLogged) {
            adviceLogged = true;
            LOG.warning(() -> "still alone after " + ALONE_LOOKUPS_BEFORE_ADVICE + " lookups of " + name + " that found "
                    + (onlySelf ? "only this node" : "no address") + ". If it is a Kubernetes headless Service, set "
                    + "publishNotReadyAddresses: true on it: otherwise it lists only ready pods, and no pod becomes "
                    + "ready without a peer");
        }
    }

    LookupResult last() {
        return last;
    }

    boolean onlySelf() {
        return onlySelf;
    }

    int addresses() {
        LookupResult r = last;
        return r == null || r.status() == LookupStatus.FAILED ? 0 : r.addresses().size();
    }
}
