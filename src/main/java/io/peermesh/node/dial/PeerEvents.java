package io.peermesh.node.dial;

import io.peermesh.node.events.LinkProblem;
import io.peermesh.runtime.Loop;
import io.peermesh.wire.HostPort;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What the node's connection events do to the targets: a peer handshaked (every target that leads
 * to it is connected), an outbound handshake failed, a peer was lost or said bye, and the revival
 * of departed bootstrap addresses.
 *
 * <p>Threading: every method runs on the node's event loop.
 */
public final class PeerEvents {

    private final Loop loop;
    private final Dialer.Host host;
    private final DialTargets targets;
    private final GrayLinks grayLinks;
    private final TargetTransitions transitions;

    PeerEvents(Loop loop, Dialer.Host host, DialTargets targets, GrayLinks grayLinks, TargetTransitions transitions) {
        this.loop = loop;
        this.host = host;
        this.targets = targets;
        this.grayLinks = grayLinks;
        this.transitions = transitions;
    }

    /** An outbound connection closed before its handshake was accepted. */
    void handshakeFailed(DialTarget t, String problem) {
        if (t.nodeId != null && host.isConnected(t.nodeId)) {
            transitions.markConnected(t, t.nodeId); // refused as a duplicate of a connection we already have
            return;
        }
        if (t.link == LinkProblem.NO_HELLO) {
            transitions.retryLater(t, t.problem);
            return;
        }
        transitions.retryLater(t, "handshake with " + t.address + " failed: " + problem);
    }

    /** A peer handshaked; every target that leads to it counts as connected. */
    void peerConnected(String nodeId, HostPort listen, DialTarget via) {
        if (via != null) {
            grayLinks.setLink(via, null, null); // our dial got through and was answered: no gray link
            transitions.markConnected(via, nodeId);
        }
        if (listen != null) {
            DialTarget t = targets.get(listen);
            if (t != null && t != via && !t.inFlight() && t.state != DialTarget.State.SELF) {
                transitions.markConnected(t, nodeId);
                if (via == null && t.lastDialFailure != null && t.link == null) {
                    // It dialled us; our last dial to where it listens failed. That dial may be old
                    // (every pod's first dials fail while the others start): look again now.
                    grayLinks.probe(t, nodeId);
                }
            }
        }
    }

    /** A registered peer went away; its targets are re-dialled unless it said bye or nobody vouches any more. */
    void peerLost(String nodeId, boolean saidBye) {
        Iterator<DialTarget> it = targets.iterator();
        List<DialTarget> retry = new ArrayList<>();
        while (it.hasNext()) {
            DialTarget t = it.next();
            if (!nodeId.equals(t.nodeId) || t.state != DialTarget.State.CONNECTED) {
                continue;
            }
            grayLinks.setLink(t, null, null); // not connected at all any more: the re-dial tells what works
            if (t.sources.isEmpty() || (saidBye && t.sources.equals(java.util.EnumSet.of(DialTarget.Source.GOSSIP)))) {
                it.remove(); // DNS stopped listing it while it was connected, or only hearsay knew it and it left
            } else if (saidBye) {
                targets.move(t, DialTarget.State.DEPARTED);
                t.departedAtNanos = loop.nanoTime();
                t.problem = "node " + nodeId + " at " + t.address + " left (said bye)";
            } else {
                t.failures = 0;
                retry.add(t);
            }
        }
        retry.forEach(t -> transitions.retryLater(t, "lost connection to node " + nodeId + " at " + t.address));
        host.targetsChanged();
    }

    /** Bootstrap addresses whose node left are dialled again (the node fell below min-peers). */
    void reviveDepartedBootstrap() {
        for (DialTarget t : targets.snapshot()) {
            if (t.state == DialTarget.State.DEPARTED && t.sources.contains(DialTarget.Source.BOOTSTRAP)) {
                t.failures = 0;
                transitions.retryLater(t, t.problem);
            }
        }
    }
}
