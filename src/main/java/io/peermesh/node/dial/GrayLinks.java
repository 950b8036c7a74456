package io.peermesh.node.dial;

import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.LinkProblem;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.Transport;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.logging.Logger;

/**
 * Gray links ({@link LinkProblem}): marks a target's link or clears the mark, keeps the gray targets
 * in order and counted per kind, and re-checks one-way links with plain TCP connects.
 *
 * <p>Threading: every method runs on the node's event loop, except {@link #linkProblemCount},
 * which is safe from any thread.
 */
public final class GrayLinks {

    /** The dialer's logger name, as before the split (log configs and filters name it). */
    private static final Logger LOG = Logger.getLogger("io.peermesh.node.dial.Dialer");

    private final Loop loop;
    private final Transport transport;
    private final NodeObserver observer;
    private final Dialer.Host host;
    private final DialTargets targets;
    private final long probeIntervalMillis;
    /** Targets with a {@link LinkProblem}, in the order they became one. */
    private final LinkedHashSet<DialTarget> gray = new LinkedHashSet<>();
    /** Gray targets per kind, published for the metrics scrape thread. */
    private final AtomicIntegerArray grayCounts = new AtomicIntegerArray(LinkProblem.values().length);

    GrayLinks(Loop loop, Transport transport, NodeObserver observer, Dialer.Host host, DialTargets targets,
            long probeIntervalMillis) {
        this.loop = loop;
        this.transport = transport;
        this.observer = observer;
        this.host = host;
        this.targets = targets;
        this.probeIntervalMillis = probeIntervalMillis;
    }

    /**
     * An outbound connection to {@code t} was accepted by TCP but no hello came back within
     * p2p.handshake-timeout (the close that follows re-dials it with back-off).
     */
    void answeredNoHello(DialTarget t) {
        setLink(t, LinkProblem.NO_HELLO, "accepts connections but never answers the hello: " + t.address
                + " completed the TCP connect, and no hello came back within p2p.handshake-timeout");
    }

    /** A plain TCP connect to a connected peer's address; a failure marks the link one-way. */
    void probe(DialTarget t, String nodeId) {
        transport.connect(t.address, outcome -> {
            if (outcome instanceof Transport.Connected c) {
                c.link().close();
                t.lastDialFailure = null;
            } else if (!host.stopping() && targets.get(t.address) == t && t.state == DialTarget.State.CONNECTED
                    && t.link == null && !((Transport.Failed) outcome).tls()) {
                t.lastDialFailure = DialResult.of((Transport.Failed) outcome);
                markOneWay(t, nodeId);
            }
        });
    }

    void markOneWay(DialTarget t, String nodeId) {
        setLink(t, LinkProblem.ONE_WAY, "reachable one way only: node " + nodeId + " at " + t.address
                + " dials this node, but this node's dials to it fail ("
                + (t.lastDialFailure == null ? "error" : t.lastDialFailure.label()) + ")");
        armProbe(t);
    }

    /**
     * A one-way link is checked again with a plain TCP connect (closed at once, before any hello:
     * the other end sees a connection that closed in its handshake, which costs it nothing and is
     * no offence). When one connects, the link works both ways again.
     */
    private void armProbe(DialTarget t) {
        if (t.probeTimerId >= 0 || host.stopping()) {
            return;
        }
        t.probeTimerId = loop.schedule(probeIntervalMillis, () -> {
            t.probeTimerId = -1;
            if (t.link != LinkProblem.ONE_WAY || host.stopping() || !targets.contains(t.address)) {
                return;
            }
            transport.connect(t.address, outcome -> {
                if (outcome instanceof Transport.Connected c) {
                    c.link().close();
                    t.lastDialFailure = null;
                    if (t.link == LinkProblem.ONE_WAY) {
                        LOG.info(() -> "link to " + t.address + " works both ways again");
                        setLink(t, null, null);
                    }
                } else if (t.link == LinkProblem.ONE_WAY) {
                    armProbe(t);
                }
            });
        });
    }

    /** Sets or clears a target's gray-link mark, keeping the per-kind counts and telling the node. */
    void setLink(DialTarget t, LinkProblem link, String problem) {
        LinkProblem was = t.link;
        if (link == null && t.probeTimerId >= 0) {
            loop.cancel(t.probeTimerId);
            t.probeTimerId = -1;
        }
        if (was == link) {
            if (link != null) {
                t.problem = problem;
            }
            return;
        }
        if (was != null) {
            grayCounts.decrementAndGet(was.ordinal());
            gray.remove(t);
            if (t.problem != null && t.problem.startsWith(was == LinkProblem.ONE_WAY ? "reachable one way" : "accepts")) {
                t.problem = null;
            }
        }
        t.link = link;
        if (link != null) {
            grayCounts.incrementAndGet(link.ordinal());
            gray.add(t);
            t.problem = problem;
            observer.linkProblem(link);
            LOG.warning(() -> problem);
        }
        host.linksChanged();
    }

    /** The problems of the gray targets, oldest first, at most {@code max}. */
    List<String> linkProblems(int max) {
        List<String> out = new ArrayList<>(Math.min(max, gray.size()));
        for (DialTarget t : gray) {
            if (out.size() == max) {
                break;
            }
            out.add(t.problem);
        }
        return out;
    }

    /** Gray targets of this kind now; safe from any thread. */
    int linkProblemCount(LinkProblem kind) {
        return grayCounts.get(kind.ordinal());
    }
}
