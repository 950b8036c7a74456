package io.peermesh.broadcast;

import io.peermesh.runtime.Listeners;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.TokenBucket;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Broadcast to every member: exactly once per node, in each origin's order.
 *
 * <p>A message travels by flooding over the direct links: its origin sends it to every peer; a node
 * that receives it for the first time delivers it and sends it on to every peer but the one it came
 * from. In a connected mesh it reaches every member whatever links fail, as long as one path stays;
 * the price is up to one copy per link, which duplicate suppression absorbs (seen by origin and seq).
 *
 * <p>Order: each origin numbers its messages 1, 2, ...; a node delivers them in that order. A
 * message that overtakes an earlier one (they took different paths) waits until the earlier one
 * arrives, or at most {@value #GAP_MILLIS} ms: an earlier message lost for good (its only path
 * failed) must not hold up the rest. The first message heard from an origin sets where its order
 * starts: a node that joins does not wait for what was published before it.
 *
 * <p>On the node's loop only.
 */
public final class Broadcasts {

    /** Longest a message waits for an earlier one of the same origin. */
    public static final long GAP_MILLIS = 2_000;
    /** Messages one origin may have waiting; beyond, the gap is given up at once. */
    static final int MAX_WAITING_PER_ORIGIN = 1024;
    /** Origins remembered (least recently heard forgotten first). */
    static final int MAX_ORIGINS = 16_384;

    private static final Logger LOG = Logger.getLogger(Broadcasts.class.getName());

    /** The links a message travels. */
    public interface Links {
        /** Sends {@code m} to every peer that speaks v2, except {@code exceptNodeId} (null: none). */
        void sendToAll(Message.Broadcast m, String exceptNodeId);
    }

    public interface Listener {
        void onDelivery(Delivery delivery);
    }

    /** What broadcast reports for metrics. */
    public interface Observer {
        default void published() { }

        default void delivered() { }

        default void dropped(BroadcastDrop reason) { }
    }

    private static final class Origin {
        long delivered;        // every seq up to this one is delivered (or given up)
        final TreeMap<Long, Message.Broadcast> waiting = new TreeMap<>();
        long gapTimer = -1;
    }

    private final String self;
    private final BroadcastConfig config;
    private final Loop loop;
    private final Links links;
    private final Observer observer;
    private final TokenBucket publishBucket;
    private final Map<String, TokenBucket> relayBuckets = new HashMap<>();
    private final LinkedHashMap<String, Origin> origins = new LinkedHashMap<>(64, 0.75f, true);
    private final Listeners<Listener> listeners = new Listeners<>(LOG, "broadcast listener");
    private long seq;
    private boolean stopped;

    public Broadcasts(String self, BroadcastConfig config, Loop loop, Links links, Observer observer) {
        this.self = self;
        this.config = config;
        this.loop = loop;
        this.links = links;
        this.observer = observer;
        this.publishBucket = new TokenBucket(config.publishRate(), config.publishBurst(), loop.nanoTime());
    }

    /** Publishes {@code payload} (a JSON value, checked by the caller) on {@code topic}. */
    public PublishResult publish(String topic, String payload) {
        if (stopped) {
            return new PublishResult.Refused(PublishResult.Reason.NOT_RUNNING, "the node is stopping");
        }
        String topicProblem = MessageCodec.topicProblem(topic);
        if (topicProblem != null) {
            return new PublishResult.Refused(PublishResult.Reason.TOPIC, topicProblem);
        }
        if (payloadTooLarge(payload)) {
            int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
            return new PublishResult.Refused(PublishResult.Reason.PAYLOAD_SIZE, "payload takes " + bytes
                    + " bytes, more than p2p.broadcast.max-payload-bytes (" + config.maxPayloadBytes() + ")");
        }
        if (publishBucket.take(1, loop.nanoTime()) == 0) {
            return new PublishResult.Refused(PublishResult.Reason.RATE, "more than p2p.broadcast.publish-rate ("
                    + config.publishRate() + "/s, burst " + config.publishBurst() + ") broadcasts from this node");
        }
        Message.Broadcast m = new Message.Broadcast(self, ++seq, topic, payload, loop.currentTimeMillis());
        observer.published();
        deliver(m);
        links.sendToAll(m, null);
        return new PublishResult.Published(self + ":" + m.seq());
    }

    /** A broadcast arrived from peer {@code from}. */
    public void received(String from, Message.Broadcast m) {
        if (stopped) {
            return;
        }
        TokenBucket bucket = relayBuckets.computeIfAbsent(from,
                k -> new TokenBucket(config.relayRate(), (int) Math.max(1, config.relayRate() * 10), loop.nanoTime()));
        if (bucket.take(1, loop.nanoTime()) == 0) {
            observer.dropped(BroadcastDrop.RELAY_RATE);
            return;
        }
        if (payloadTooLarge(m.payload())) {
            observer.dropped(BroadcastDrop.PAYLOAD_SIZE);
            return;
        }
        if (m.origin().equals(self)) {
            observer.dropped(BroadcastDrop.DUPLICATE); // our own, back over another path
            return;
        }
        Origin o = origins.get(m.origin());
        if (o == null) {
            o = new Origin();
            o.delivered = m.seq() - 1;
            origins.put(m.origin(), o);
            forgetOldestOrigins();
        }
        if (m.seq() <= o.delivered || o.waiting.containsKey(m.seq())) {
            observer.dropped(BroadcastDrop.DUPLICATE);
            return;
        }
        links.sendToAll(m, from); // on at once, even if it has to wait here for an earlier one
        if (m.seq() == o.delivered + 1) {
            o.delivered = m.seq();
            deliver(m);
            drain(o);
        } else {
            o.waiting.put(m.seq(), m);
            if (o.waiting.size() > MAX_WAITING_PER_ORIGIN) {
                giveUpGap(o);
            } else if (o.gapTimer < 0) {
                Origin waiting = o;
                o.gapTimer = loop.schedule(GAP_MILLIS, () -> {
                    waiting.gapTimer = -1;
                    giveUpGap(waiting);
                });
            }
        }
    }

    /**
     * Whether the payload's UTF-8 is over the bound, encoding it only when its length leaves a
     * doubt (a char takes 1 to 3 bytes): every relayed message passes here.
     */
    private boolean payloadTooLarge(String payload) {
        int chars = payload.length();
        if (chars > config.maxPayloadBytes()) {
            return true;
        }
        return (long) chars * 3 > config.maxPayloadBytes()
                && payload.getBytes(StandardCharsets.UTF_8).length > config.maxPayloadBytes();
    }

    /** A peer's link closed: its relay allowance goes with it. */
    public void peerGone(String nodeId) {
        relayBuckets.remove(nodeId);
    }

    public void subscribe(Listener l) {
        listeners.add(l);
    }

    public void unsubscribe(Listener l) {
        listeners.remove(l);
    }

    public int pendingTimers() {
        int n = 0;
        for (Origin o : origins.values()) {
            n += o.gapTimer >= 0 ? 1 : 0;
        }
        return n;
    }

    public void stop() {
        stopped = true;
        for (Origin o : origins.values()) {
            if (o.gapTimer >= 0) {
                loop.cancel(o.gapTimer);
                o.gapTimer = -1;
            }
        }
    }

    /** Delivers what no longer waits for anything, after the gap is given up or filled. */
    private void drain(Origin o) {
        while (!o.waiting.isEmpty() && o.waiting.firstKey() == o.delivered + 1) {
            Message.Broadcast next = o.waiting.pollFirstEntry().getValue();
            o.delivered = next.seq();
            deliver(next);
        }
        if (o.waiting.isEmpty() && o.gapTimer >= 0) {
            loop.cancel(o.gapTimer);
            o.gapTimer = -1;
        }
    }

    private void giveUpGap(Origin o) {
        if (!o.waiting.isEmpty()) {
            o.delivered = o.waiting.firstKey() - 1;
        }
        drain(o);
        if (!o.waiting.isEmpty() && o.gapTimer < 0) {
            o.gapTimer = loop.schedule(GAP_MILLIS, () -> {
                o.gapTimer = -1;
                giveUpGap(o);
            });
        }
    }

    private void forgetOldestOrigins() {
        var it = origins.entrySet().iterator();
        while (origins.size() > MAX_ORIGINS && it.hasNext()) {
            Origin o = it.next().getValue();
            if (o.gapTimer >= 0) {
                loop.cancel(o.gapTimer);
            }
            it.remove();
        }
    }

    private void deliver(Message.Broadcast m) {
        observer.delivered();
        Delivery d = new Delivery(m.origin(), m.seq(), m.topic(), m.payload(), m.sentMillis(), loop.currentTimeMillis());
        listeners.forEach(l -> l.onDelivery(d));
    }
}
