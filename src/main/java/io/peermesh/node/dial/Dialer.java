package io.peermesh.node.dial;

import io.peermesh.node.events.LinkProblem;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * Keeps this node dialling the addresses it knows until each is connected, re-dialling with
 * {@link Backoff} after failures and losses; one {@link DialTarget} per address. It never dials an
 * address whose node is already connected, nor one that turned out to be this node, and never has
 * more than {@code p2p.max-peers} peers plus dials in flight: the rest stay known, for later.
 *
 * <p>The coordinator: it takes addresses in (offer, DNS withdrawal, eviction), decides whether and
 * when a target is dialled, and hands the rest to one class per job: {@link DialTargets} (the table),
 * {@link TargetTransitions} (re-dial timers and the transitions around them), {@link DialAttempts}
 * (one dial and its outcome, verification dials), {@link GrayLinks} (gray-link marks and probes),
 * {@link PeerEvents} (what a peer's handshake, failure or loss does to its targets).
 *
 * <p>Threading: every method runs on the node's event loop.
 */
public final class Dialer {

    /** What the dialer needs from its node. */
    public interface Host {
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
    private final Host host;
    private final int maxPeers;
    private final int maxKnown;
    private final long departureGraceNanos;
    private final DialTargets targets = new DialTargets();
    private final GrayLinks grayLinks;
    private final TargetTransitions transitions;
    private final DialAttempts attempts;
    private final PeerEvents peerEvents;

    public Dialer(Loop loop, Transport transport, Backoff backoff, NodeObserver observer, Host host,
            int maxPeers, int maxKnown, java.time.Duration departureGrace, java.time.Duration probeInterval) {
        this.loop = loop;
        this.host = host;
        this.maxPeers = maxPeers;
        this.maxKnown = maxKnown;
        this.departureGraceNanos = departureGrace.toNanos();
        this.grayLinks = new GrayLinks(loop, transport, observer, host, targets, Math.max(1, probeInterval.toMillis()));
        this.transitions = new TargetTransitions(loop, backoff, host, targets, grayLinks, this::dial);
        this.attempts = new DialAttempts(transport, observer, host, targets, grayLinks, transitions);
        this.peerEvents = new PeerEvents(loop, host, targets, grayLinks, transitions);
    }

    /**
     * Offers an address, with the node id a peer said is there (null if unknown). A new address is
     * dialled at once (room permitting); a known one that departed or is idle is dialled again, since
     * a source vouched for it again. Returns false when the table is full of better-vouched entries.
     */
    public boolean offer(HostPort address, DialTarget.Source source, String nodeIdHint) {
        DialTarget t = targets.get(address);
        if (t == null) {
            if (targets.size() >= maxKnown && !evictOneGossipEntry()) {
                return false;
            }
            t = new DialTarget(address, source);
            if (nodeIdHint != null) {
                t.nodeId = nodeIdHint;
            }
            targets.add(t);
            if (yieldsTo(t)) {
                transitions.waitForPeerToDial(t);
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
    public void withdrawDnsExcept(Collection<HostPort> stillListed) {
        Iterator<DialTarget> it = targets.iterator();
        boolean changed = false;
        while (it.hasNext()) {
            DialTarget t = it.next();
            if (t.sources.contains(DialTarget.Source.DNS) && !stillListed.contains(t.address)) {
                t.sources.remove(DialTarget.Source.DNS);
                // DNS is the authority on which pods exist: gossip about an address it dropped is
                // stale, so an address that is not connected goes unless the bootstrap list names it.
                t.sources.remove(DialTarget.Source.GOSSIP);
                if (t.sources.isEmpty() && t.state != DialTarget.State.CONNECTED && !t.inFlight()) {
                    transitions.cancelTimer(t);
                    grayLinks.setLink(t, null, null);
                    it.remove();
                    changed = true;
                }
            }
        }
        if (changed) {
            host.targetsChanged();
        }
    }

    private boolean evictOneGossipEntry() {
        Iterator<DialTarget> it = targets.iterator();
        while (it.hasNext()) {
            DialTarget t = it.next();
            if (t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP))
                    && t.state != DialTarget.State.CONNECTED && !t.inFlight()) {
                transitions.cancelTimer(t);
                grayLinks.setLink(t, null, null);
                it.remove();
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
     * tie-break keeps anyway, dials first; the other waits {@link TargetTransitions#YIELD_MILLIS} for
     * that dial and dials itself only if it did not come (the other end may not know about us, or may
     * be gone). DNS is not symmetric in time (a new pod reads the old ones at once, they read it at
     * their next lookup, an interval later), so DNS addresses are dialled at once, as are bootstrap
     * addresses; and a node without any peer or dial in flight never waits: its first peer comes first.
     */
    private boolean yieldsTo(DialTarget t) {
        if (t.nodeId == null || !t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP))
                || (host.peerCount() == 0 && targets.inFlightCount() == 0)) {
            return false;
        }
        return host.nodeId().compareTo(t.nodeId) > 0;
    }

    private boolean hasRoom() {
        return host.peerCount() + targets.inFlightCount() < maxPeers;
    }

    private void dial(DialTarget t) {
        transitions.cancelTimer(t);
        if (host.stopping() || t.state == DialTarget.State.SELF) {
            return;
        }
        if (t.nodeId != null && host.isConnected(t.nodeId)) {
            transitions.markConnected(t, t.nodeId);
            return;
        }
        if (t.address.equals(host.advertise())) {
            markSelf(t, "it is this node's own advertised address");
            return;
        }
        String connected = host.connectedNodeAt(t.address);
        if (connected != null) {
            transitions.markConnected(t, connected);
            return;
        }
        if (!hasRoom()) {
            targets.move(t, DialTarget.State.IDLE); // known, dialled when a slot frees (fillSlots)
            return;
        }
        targets.move(t, DialTarget.State.DIALING);
        attempts.connect(t);
    }

    /** Dials idle known addresses while there is room, starting at a random one. */
    public void fillSlots() {
        List<DialTarget> idle = new ArrayList<>();
        for (DialTarget t : targets) {
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

    /** A handshake (ours or refused by the peer) told us which node answers at this target. */
    public void identified(DialTarget t, String nodeId) {
        t.nodeId = nodeId;
    }

    /** Cancels every pending re-dial; called when the node stops. */
    public void stop() {
        for (DialTarget t : targets) {
            transitions.cancelTimer(t);
            if (t.probeTimerId >= 0) {
                loop.cancel(t.probeTimerId);
                t.probeTimerId = -1;
            }
        }
    }

    // The rest of the node's API, answered by the class with that job.

    /** See {@link DialAttempts#verify}. */
    public void verify(HostPort address) {
        attempts.verify(address);
    }

    /** See {@link GrayLinks#answeredNoHello}. */
    public void answeredNoHello(DialTarget t) {
        grayLinks.answeredNoHello(t);
    }

    public List<String> linkProblems(int max) {
        return grayLinks.linkProblems(max);
    }

    public int linkProblemCount(LinkProblem kind) {
        return grayLinks.linkProblemCount(kind);
    }

    public void markSelf(DialTarget t, String why) {
        transitions.markSelf(t, why);
    }

    /** See {@link PeerEvents#handshakeFailed}. */
    public void handshakeFailed(DialTarget t, String problem) {
        peerEvents.handshakeFailed(t, problem);
    }

    /** See {@link PeerEvents#peerConnected}. */
    public void peerConnected(String nodeId, HostPort listen, DialTarget via) {
        peerEvents.peerConnected(nodeId, listen, via);
    }

    /** See {@link PeerEvents#peerLost}. */
    public void peerLost(String nodeId, boolean saidBye) {
        peerEvents.peerLost(nodeId, saidBye);
    }

    /** See {@link PeerEvents#reviveDepartedBootstrap}. */
    public void reviveDepartedBootstrap() {
        peerEvents.reviveDepartedBootstrap();
    }

    public boolean listedByDns(HostPort address) {
        return targets.listedByDns(address);
    }

    public List<TargetStatus> status() {
        return targets.status();
    }

    /** Addresses known, connected or not; safe from any thread (the metrics scrape). */
    public int size() {
        return targets.size();
    }

    public int pendingTimers() {
        return targets.pendingTimers();
    }
}
