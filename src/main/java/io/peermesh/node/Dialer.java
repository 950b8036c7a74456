package io.peermesh.node;

import io.peermesh.runtime.Link;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Keeps this node dialling the addresses it knows until each is connected, re-dialling with
 * {@link Backoff} after failures and losses; one {@link DialTarget} per address. It never dials an
 * address whose node is already connected, nor one that turned out to be this node, and never has
 * more than {@code p2p.max-peers} peers plus dials in flight: the rest stay known, for later.
 *
 * <p>Threading: every method runs on the node's event loop.
 */
final class Dialer {

    private static final Logger LOG = Logger.getLogger(Dialer.class.getName());
    /** A gossip-only address that failed this often in a row is forgotten. */
    static final int GOSSIP_FAILURES_TO_FORGET = 4;
    /** How long (plus up to half again, jitter) a node waits for the other end to dial first (see {@link #yieldsTo}). */
    static final long YIELD_MILLIS = 2000;

    /** What the dialer needs from its node. */
    interface Host {
        boolean stopping();

        String nodeId();

        boolean isConnected(String nodeId);

        /** The node id of a connected peer that listens at this address, or null. */
        String connectedNodeAt(HostPort listen);

        HostPort advertise();

        int peerCount();

        /** A dial succeeded: start the handshake on this link. */
        void dialed(Link link, DialTarget target);

        /** Some target's state or problem changed (readiness explains itself from them). */
        void targetsChanged();

        /** A target became a gray link or stopped being one (readiness names them even when ready). */
        void linksChanged();
    }

    private final Loop loop;
    private final Transport transport;
    private final Backoff backoff;
    private final NodeObserver observer;
    private final Host host;
    private final int maxPeers;
    private final int maxKnown;
    private final long departureGraceNanos;
    private final long probeIntervalMillis;
    private final Map<HostPort, DialTarget> targets = new LinkedHashMap<>();
    private volatile int knownCount;
    /** Targets with a {@link LinkProblem}, in the order they became one. */
    private final java.util.LinkedHashSet<DialTarget> gray = new java.util.LinkedHashSet<>();
    /** Gray targets per kind, published for the metrics scrape thread. */
    private final java.util.concurrent.atomic.AtomicIntegerArray grayCounts =
            new java.util.concurrent.atomic.AtomicIntegerArray(LinkProblem.values().length);

    Dialer(Loop loop, Transport transport, Backoff backoff, NodeObserver observer, Host host,
            int maxPeers, int maxKnown, java.time.Duration departureGrace, java.time.Duration probeInterval) {
        this.loop = loop;
        this.transport = transport;
        this.backoff = backoff;
        this.observer = observer;
        this.host = host;
        this.maxPeers = maxPeers;
        this.maxKnown = maxKnown;
        this.departureGraceNanos = departureGrace.toNanos();
        this.probeIntervalMillis = Math.max(1, probeInterval.toMillis());
    }

    /**
     * Offers an address, with the node id a peer said is there (null if unknown). A new address is
     * dialled at once (room permitting); a known one that departed or is idle is dialled again, since
     * a source vouched for it again. Returns false when the table is full of better-vouched entries.
     */
    boolean offer(HostPort address, DialTarget.Source source, String nodeIdHint) {
        DialTarget t = targets.get(address);
        if (t == null) {
            if (targets.size() >= maxKnown && !evictOneGossipEntry()) {
                return false;
            }
            t = new DialTarget(address, source);
            if (nodeIdHint != null) {
                t.nodeId = nodeIdHint;
            }
            targets.put(address, t);
            knownCount = targets.size();
            if (yieldsTo(t)) {
                waitForPeerToDial(t);
            } else {
                dial(t);
            }
        } else {
            t.sources.add(source);
            boolean justLeft = t.state == DialTarget.State.DEPARTED
                    && loop.nanoTime() - t.departedAtNanos < departureGraceNanos;
            // A node that said bye is still listed by DNS for a while (its pod is terminating);
            // re-dialling it at once would only hit a closing server.
            if (!justLeft && (t.state == DialTarget.State.DEPARTED || t.state == DialTarget.State.IDLE)) {
                t.failures = 0;
                if (nodeIdHint != null && !host.isConnected(String.valueOf(t.nodeId))) {
                    t.nodeId = nodeIdHint;
                }
                dial(t);
            }
        }
        return true;
    }

    /** DNS no longer lists these addresses: forget them unless connected or vouched for otherwise. */
    void withdrawDnsExcept(Collection<HostPort> stillListed) {
        Iterator<DialTarget> it = targets.values().iterator();
        boolean changed = false;
        while (it.hasNext()) {
            DialTarget t = it.next();
            if (t.sources.contains(DialTarget.Source.DNS) && !stillListed.contains(t.address)) {
                t.sources.remove(DialTarget.Source.DNS);
                // DNS is the authority on which pods exist: gossip about an address it dropped is
                // stale, so an address that is not connected goes unless the bootstrap list names it.
                t.sources.remove(DialTarget.Source.GOSSIP);
                if (t.sources.isEmpty() && t.state != DialTarget.State.CONNECTED && !t.inFlight()) {
                    cancelTimer(t);
                    setLink(t, null, null);
                    it.remove();
                    knownCount = targets.size();
                    changed = true;
                }
            }
        }
        if (changed) {
            host.targetsChanged();
        }
    }

    private boolean evictOneGossipEntry() {
        Iterator<DialTarget> it = targets.values().iterator();
        while (it.hasNext()) {
            DialTarget t = it.next();
            if (t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP))
                    && t.state != DialTarget.State.CONNECTED && !t.inFlight()) {
                cancelTimer(t);
                setLink(t, null, null);
                it.remove();
                knownCount = targets.size();
                return true;
            }
        }
        return false;
    }

    /**
     * Gossip tells both ends of a pair about each other at about the same moment: a seed announces
     * a joiner to its peers while the joiner reads the seed's list of them. If both ends dialled,
     * every second handshake would be a crossing dial refused as a duplicate (the 100-node benchmark
     * mesh made ~2x the handshakes it needed). So the end with the smaller node id, whose dial the
     * tie-break keeps anyway, dials first; the other waits {@link #YIELD_MILLIS} for that dial and
     * dials itself only if it did not come (the other end may not know about us, or may be gone).
     * DNS is not symmetric in time (a new pod reads the old ones at once, they read it at their next
     * lookup, an interval later), so DNS addresses are dialled at once, as are bootstrap addresses;
     * and a node without any peer or dial in flight never waits: its first peer comes first.
     */
    private boolean yieldsTo(DialTarget t) {
        if (t.nodeId == null || !t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP))
                || (host.peerCount() == 0 && inFlightCount() == 0)) {
            return false;
        }
        return host.nodeId().compareTo(t.nodeId) > 0;
    }

    private void waitForPeerToDial(DialTarget t) {
        if (host.stopping()) {
            return;
        }
        long delay = YIELD_MILLIS + loop.random().nextLong(YIELD_MILLIS / 2);
        t.state = DialTarget.State.WAITING;
        t.nextAttemptAtMillis = loop.currentTimeMillis() + delay;
        t.timerId = loop.schedule(delay, () -> {
            t.timerId = -1;
            dial(t);
        });
    }

    private int inFlightCount() {
        int inFlight = 0;
        for (DialTarget t : targets.values()) {
            if (t.inFlight()) {
                inFlight++;
            }
        }
        return inFlight;
    }

    private boolean hasRoom() {
        return host.peerCount() + inFlightCount() < maxPeers;
    }

    /**
     * Dials an address even though a connected node claims it, to learn who really answers there
     * (the handshake then retires a stale identity, or is refused as a duplicate).
     */
    void verify(HostPort address) {
        DialTarget t = targets.computeIfAbsent(address, a -> new DialTarget(a, DialTarget.Source.GOSSIP));
        knownCount = targets.size();
        if (t.inFlight() || t.state == DialTarget.State.SELF || host.stopping()) {
            return;
        }
        cancelTimer(t);
        t.state = DialTarget.State.DIALING;
        connect(t);
    }

    private void dial(DialTarget t) {
        cancelTimer(t);
        if (host.stopping() || t.state == DialTarget.State.SELF) {
            return;
        }
        if (t.nodeId != null && host.isConnected(t.nodeId)) {
            markConnected(t, t.nodeId);
            return;
        }
        if (t.address.equals(host.advertise())) {
            markSelf(t, "it is this node's own advertised address");
            return;
        }
        String connected = host.connectedNodeAt(t.address);
        if (connected != null) {
            markConnected(t, connected);
            return;
        }
        if (!hasRoom()) {
            t.state = DialTarget.State.IDLE; // known, dialled when a slot frees (fillSlots)
            return;
        }
        t.state = DialTarget.State.DIALING;
        connect(t);
    }

    private void connect(DialTarget t) {
        transport.connect(t.address, outcome -> {
            if (outcome instanceof Transport.Connected c) {
                onConnected(t, c.link());
            } else {
                onDialFailed(t, (Transport.Failed) outcome);
            }
        });
    }

    /** Dials idle known addresses while there is room, starting at a random one. */
    void fillSlots() {
        List<DialTarget> idle = new ArrayList<>();
        for (DialTarget t : targets.values()) {
            if (t.state == DialTarget.State.IDLE) {
                idle.add(t);
            }
        }
        if (idle.isEmpty()) {
            return;
        }
        int start = loop.random().nextInt(idle.size());
        for (int i = 0; i < idle.size() && hasRoom(); i++) {
            dial(idle.get((start + i) % idle.size()));
        }
    }

    private void onConnected(DialTarget t, Link socket) {
        observer.dialed(DialResult.OK);
        t.lastDialFailure = null;
        if (host.stopping() || !targets.containsKey(t.address)) {
            socket.close();
            return;
        }
        t.state = DialTarget.State.HANDSHAKING;
        host.dialed(socket, t);
    }

    private void onDialFailed(DialTarget t, Transport.Failed failure) {
        DialResult result = resultOf(failure);
        if (failure.tls()) {
            observer.protocolError(io.peermesh.wire.ProtocolError.TLS_HANDSHAKE_FAILED);
        }
        String problem = failure.problem();
        boolean tls = failure.tls();
        observer.dialed(result);
        t.lastDialFailure = result;
        String connected = host.connectedNodeAt(t.address);
        if (connected != null && !tls) {
            // The node there reached us (it is connected, by its own dial) while ours failed.
            markConnected(t, connected);
            markOneWay(t, connected);
            return;
        }
        if (t.link == LinkProblem.NO_HELLO) {
            setLink(t, null, null); // no longer accepting connections: a plain failure now
        }
        retryLater(t, problem);
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
    private void probe(DialTarget t, String nodeId) {
        transport.connect(t.address, outcome -> {
            if (outcome instanceof Transport.Connected c) {
                c.link().close();
                t.lastDialFailure = null;
            } else if (!host.stopping() && targets.get(t.address) == t && t.state == DialTarget.State.CONNECTED
                    && t.link == null && !((Transport.Failed) outcome).tls()) {
                t.lastDialFailure = resultOf((Transport.Failed) outcome);
                markOneWay(t, nodeId);
            }
        });
    }

    private static DialResult resultOf(Transport.Failed failure) {
        return switch (failure.kind()) {
            case REFUSED -> DialResult.REFUSED;
            case TIMEOUT -> DialResult.TIMEOUT;
            case ERROR -> DialResult.ERROR;
        };
    }

    private void markOneWay(DialTarget t, String nodeId) {
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
            if (t.link != LinkProblem.ONE_WAY || host.stopping() || !targets.containsKey(t.address)) {
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
    private void setLink(DialTarget t, LinkProblem link, String problem) {
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

    /** An outbound connection closed before its handshake was accepted. */
    void handshakeFailed(DialTarget t, String problem) {
        if (t.nodeId != null && host.isConnected(t.nodeId)) {
            markConnected(t, t.nodeId); // refused as a duplicate of a connection we already have
            return;
        }
        if (t.link == LinkProblem.NO_HELLO) {
            retryLater(t, t.problem);
            return;
        }
        retryLater(t, "handshake with " + t.address + " failed: " + problem);
    }

    /** A handshake (ours or refused by the peer) told us which node answers at this target. */
    void identified(DialTarget t, String nodeId) {
        t.nodeId = nodeId;
    }

    void markSelf(DialTarget t, String why) {
        cancelTimer(t);
        if (t.state != DialTarget.State.SELF) {
            t.state = DialTarget.State.SELF;
            t.problem = null;
            LOG.info(() -> "not dialling " + t.address + " again: " + why);
            host.targetsChanged();
        }
    }

    /** A peer handshaked; every target that leads to it counts as connected. */
    void peerConnected(String nodeId, HostPort listen, DialTarget via) {
        if (via != null) {
            setLink(via, null, null); // our dial got through and was answered: no gray link
            markConnected(via, nodeId);
        }
        if (listen != null) {
            DialTarget t = targets.get(listen);
            if (t != null && t != via && !t.inFlight() && t.state != DialTarget.State.SELF) {
                markConnected(t, nodeId);
                if (via == null && t.lastDialFailure != null && t.link == null) {
                    // It dialled us; our last dial to where it listens failed. That dial may be old
                    // (every pod's first dials fail while the others start): look again now.
                    probe(t, nodeId);
                }
            }
        }
    }

    /** A registered peer went away; its targets are re-dialled unless it said bye or nobody vouches any more. */
    void peerLost(String nodeId, boolean saidBye) {
        Iterator<DialTarget> it = targets.values().iterator();
        List<DialTarget> retry = new ArrayList<>();
        while (it.hasNext()) {
            DialTarget t = it.next();
            if (!nodeId.equals(t.nodeId) || t.state != DialTarget.State.CONNECTED) {
                continue;
            }
            setLink(t, null, null); // not connected at all any more: the re-dial tells what works
            if (t.sources.isEmpty() || (saidBye && t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP)))) {
                it.remove(); // DNS stopped listing it while it was connected, or only hearsay knew it and it left
                knownCount = targets.size();
            } else if (saidBye) {
                t.state = DialTarget.State.DEPARTED;
                t.departedAtNanos = loop.nanoTime();
                t.problem = "node " + nodeId + " at " + t.address + " left (said bye)";
            } else {
                t.failures = 0;
                retry.add(t);
            }
        }
        retry.forEach(t -> retryLater(t, "lost connection to node " + nodeId + " at " + t.address));
        host.targetsChanged();
    }

    /** Bootstrap addresses whose node left are dialled again (the node fell below min-peers). */
    void reviveDepartedBootstrap() {
        for (DialTarget t : List.copyOf(targets.values())) {
            if (t.state == DialTarget.State.DEPARTED && t.sources.contains(DialTarget.Source.BOOTSTRAP)) {
                t.failures = 0;
                retryLater(t, t.problem);
            }
        }
    }

    private void markConnected(DialTarget t, String nodeId) {
        cancelTimer(t);
        t.nodeId = nodeId;
        t.state = DialTarget.State.CONNECTED;
        t.failures = 0;
        t.problem = t.link == LinkProblem.ONE_WAY ? t.problem : null;
        host.targetsChanged();
    }

    private void retryLater(DialTarget t, String problem) {
        if (t.state == DialTarget.State.SELF) {
            return; // final: an address that leads back to this node is never dialled again
        }
        cancelTimer(t);
        t.problem = problem;
        if (host.stopping()) {
            t.state = DialTarget.State.IDLE;
            return;
        }
        // Nobody vouches for it any more: DNS withdrew it while a dial was in flight (withdrawDnsExcept
        // keeps such a target until the dial ends; a gray listener keeps each dial in its handshake
        // for handshake-timeout, so this is common: sidecar.sh). Or only hearsay did, and it keeps failing.
        if (t.sources.isEmpty()
                || (t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP)) && t.failures >= GOSSIP_FAILURES_TO_FORGET)) {
            setLink(t, null, null);
            targets.remove(t.address);
            knownCount = targets.size();
            host.targetsChanged();
            return;
        }
        long delay = backoff.delayMillis(t.failures);
        t.failures = Math.min(t.failures + 1, 30);
        t.state = DialTarget.State.BACKOFF;
        t.nextAttemptAtMillis = loop.currentTimeMillis() + delay;
        t.timerId = loop.schedule(delay, () -> {
            t.timerId = -1;
            dial(t);
        });
        host.targetsChanged();
    }

    private void cancelTimer(DialTarget t) {
        if (t.timerId >= 0) {
            loop.cancel(t.timerId);
            t.timerId = -1;
        }
    }

    /** Cancels every pending re-dial; called when the node stops. */
    void stop() {
        for (DialTarget t : targets.values()) {
            cancelTimer(t);
            if (t.probeTimerId >= 0) {
                loop.cancel(t.probeTimerId);
                t.probeTimerId = -1;
            }
        }
    }

    boolean knows(HostPort address) {
        return targets.containsKey(address);
    }

    /** True when the DNS name lists this address: every node of the mesh reads the same list. */
    boolean listedByDns(HostPort address) {
        DialTarget t = address == null ? null : targets.get(address);
        return t != null && t.sources.contains(DialTarget.Source.DNS);
    }

    /** Targets with their state and problem, for readiness and diagnostics. */
    List<TargetStatus> status() {
        List<TargetStatus> out = new ArrayList<>(targets.size());
        for (DialTarget t : targets.values()) {
            out.add(new TargetStatus(t.address.toString(), sourcesLabel(t), t.state.name().toLowerCase(),
                    t.nodeId, t.failures, t.problem, t.link == null ? null : t.link.label()));
        }
        return out;
    }

    private static String sourcesLabel(DialTarget t) {
        StringBuilder b = new StringBuilder();
        for (DialTarget.Source s : t.sources) {
            b.append(b.length() == 0 ? "" : "+").append(s.name().toLowerCase());
        }
        return b.length() == 0 ? "none" : b.toString();
    }

    /** Addresses known, connected or not; a published count, safe from any thread (the metrics scrape). */
    int size() {
        return knownCount;
    }

    int pendingTimers() {
        int n = 0;
        for (DialTarget t : targets.values()) {
            if (t.timerId >= 0) {
                n++;
            }
            if (t.probeTimerId >= 0) {
                n++;
            }
        }
        return n;
    }
}
