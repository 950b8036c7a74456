package io.peermesh.node;

import io.peermesh.broadcast.BroadcastDrop;
import io.peermesh.broadcast.Broadcasts;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.members.Member;
import io.peermesh.members.MemberEvents;
import io.peermesh.node.events.BroadcastOutcome;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import io.peermesh.wire.Metadata;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * What applications use of a node: the member list and its events, this node's metadata, and
 * broadcast. Every method is safe from any thread (it hops onto the loop).
 */
public final class MeshApplications {

    private final NodeParts n;

    MeshApplications(NodeParts parts) {
        this.n = parts;
    }

    /** The broadcast part of the node: it sends to every v2 peer through this class. */
    Broadcasts newBroadcasts() {
        NodeObserver observer = n.observer;
        return new Broadcasts(n.nodeId, n.config.broadcast(), n.loop, this::sendToAllV2, new Broadcasts.Observer() {
            @Override public void published() { observer.broadcast(BroadcastOutcome.PUBLISHED); }
            @Override public void delivered() { observer.broadcast(BroadcastOutcome.DELIVERED); }
            @Override public void dropped(BroadcastDrop reason) { observer.broadcastDropped(reason); }
        });
    }

    /** The member list now, this node first. */
    public Future<List<Member>> members() {
        return n.onLoop(n.membership::members);
    }

    /** Subscribes to member events; {@code catchup} gets the first part on the loop. */
    public void subscribeMembers(String lastEventId, MemberEvents.Listener listener, Consumer<MemberEvents.Catchup> catchup) {
        n.loop.execute(() -> catchup.accept(n.membership.events().subscribe(lastEventId, n.membership::members, listener)));
    }

    public void unsubscribeMembers(MemberEvents.Listener listener) {
        n.loop.execute(() -> n.membership.events().unsubscribe(listener));
    }

    /**
     * Replaces the keys set at run time (the ones from {@code p2p.metadata.*} stay); announces the
     * result to every peer that speaks v2. Fails if a key is one of the configured ones.
     */
    public Future<Void> setMetadata(Metadata app) {
        Metadata configured = n.config.metadata();
        for (String key : app.asMap().keySet()) {
            if (configured.asMap().containsKey(key)) {
                return Future.failedFuture(new IllegalArgumentException("metadata key '" + key
                        + "' is set by p2p.metadata." + key + " and cannot be changed at run time"));
            }
        }
        Metadata combined;
        try {
            combined = configured.with(app);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return n.onLoop(() -> {
            long incarnation = n.membership.setOwnMetadata(combined);
            sendToAllV2(new Message.Meta(incarnation, combined, null), null);
            return null;
        });
    }

    /** Publishes to every member (this one included); see {@link Broadcasts}. */
    public Future<PublishResult> publish(String topic, String payloadJson) {
        return n.onLoop(() -> n.broadcasts.publish(topic, payloadJson)); // refused once stop began
    }

    /** Registers for every delivery from now on. */
    public void subscribeMessages(Broadcasts.Listener listener) {
        n.loop.execute(() -> n.broadcasts.subscribe(listener));
    }

    public void unsubscribeMessages(Broadcasts.Listener listener) {
        n.loop.execute(() -> n.broadcasts.unsubscribe(listener));
    }

    /** Sends to every registered peer that speaks v2 (a v1 peer would count the type as unknown). */
    void sendToAllV2(Message m, String exceptNodeId) {
        Buffer line = null; // encoded once for all: a broadcast may carry 64 KiB
        for (PeerConnection c : n.table.connections()) {
            Integer v = c.peerHello().version();
            if (v != null && v >= 2 && !c.nodeId().equals(exceptNodeId)) {
                if (line == null) {
                    line = MessageCodec.encode(m);
                }
                c.send(m.type(), line);
            }
        }
    }
}
