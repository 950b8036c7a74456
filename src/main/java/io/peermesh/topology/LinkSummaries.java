package io.peermesh.topology;

import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.view.PeerView;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.runtime.Loop;
import io.peermesh.wire.LinkState;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Spreads a compact summary of this node's links to its peers and keeps theirs (issue #14), so
 * that every node can draw the whole mesh: one {@code links} message (v2) lists, per peer, its
 * state, smoothed RTT and loss, and per address this node dials without success, why.
 *
 * <p>Bounded in rate and size: a tick every {@value #TICK_MILLIS} ms compares the summary with the
 * last one sent and sends at once when a link appeared, went or changed state, or an RTT moved by
 * more than a quarter (and 1 ms); otherwise every {@code p2p.link-summary-interval} (5 s). So at most
 * one summary a second leaves, to each v2 peer. At most {@link MessageCodec#MAX_LINK_ENTRIES}
 * entries, connected peers first, and fewer when the line would exceed {@code p2p.max-frame-bytes}.
 * Received summaries are kept per sender (its latest {@code seq} only), at most {@value #MAX_REPORTS}
 * of them, and forgotten {@value #RETENTION_MILLIS} ms after the last one: a summary describes the
 * sender's own links, it is never relayed (with membership at scale it would ride on member records).
 *
 * <p>Loss, per peer: the share of the last {@value #LOSS_WINDOW} ticks at which the peer's last pong
 * was older than 1.5 ping intervals (plus a tick), i.e. the ping round had gone unanswered. Exact
 * counts of lost pings would need a hook in the ping path; this needs only {@code /peers}' view.
 *
 * <p>Threading: everything runs on the node's loop; {@link #snapshot()} is published (immutable,
 * volatile) for other threads (the HTTP API).
 */
public final class LinkSummaries {

    static final long TICK_MILLIS = 1_000;
    static final int LOSS_WINDOW = 30;
    static final int MAX_REPORTS = 1024;
    static final long RETENTION_MILLIS = 60_000;

    /** This node's latest summary and the latest of each peer, published for other threads. */
    public record Snapshot(LinkReport own, Map<String, LinkReport> reported) {
        static final Snapshot EMPTY = new Snapshot(null, Map.of());
    }

    private final String nodeId;
    private final Loop loop;
    private final long intervalMillis;
    private final long staleMillis;
    private final int maxFrameBytes;
    private final Supplier<List<PeerView>> peers;
    private final Supplier<List<TargetStatus>> targets;
    private final BiConsumer<Message, String> sendToAllV2;
    private final Map<String, LinkReport> reported = new LinkedHashMap<>();
    private final Map<String, LossWindow> loss = new HashMap<>();
    private long timer = -1;
    private long seq;
    private long lastSentAt = Long.MIN_VALUE / 2;
    private List<Message.LinkEntry> lastSent = List.of();
    private long sent;
    private long received;
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    public LinkSummaries(String nodeId, NodeConfig config, Loop loop, Supplier<List<PeerView>> peers,
            Supplier<List<TargetStatus>> targets, BiConsumer<Message, String> sendToAllV2) {
        this.nodeId = nodeId;
        this.loop = loop;
        this.intervalMillis = config.linkSummaryInterval().toMillis();
        this.staleMillis = config.pingInterval().toMillis() * 3 / 2 + TICK_MILLIS;
        this.maxFrameBytes = config.maxFrameBytes();
        this.peers = peers;
        this.targets = targets;
        this.sendToAllV2 = sendToAllV2;
    }

    public void start() {
        if (timer < 0) {
            timer = loop.periodic(TICK_MILLIS, this::tick);
        }
    }

    public void stop() {
        if (timer >= 0) {
            loop.cancel(timer);
            timer = -1;
        }
    }

    /** True while the tick timer runs (for the lifecycle tests). */
    public boolean running() {
        return timer >= 0;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public long sent() { return sent; }
    public long received() { return received; }

    /** A summary from peer {@code from}; an older or repeated one (lower or equal seq) is ignored. */
    public void received(String from, Message.Links m) {
        received++;
        LinkReport previous = reported.get(from);
        if (previous != null && previous.seq() >= m.seq()) {
            return;
        }
        reported.remove(from); // re-inserted last: the map is ordered by arrival, oldest evicted first
        reported.put(from, new LinkReport(from, m.seq(), m.links(), loop.currentTimeMillis()));
        while (reported.size() > MAX_REPORTS) {
            reported.remove(reported.keySet().iterator().next());
        }
        publish(snapshot.own());
    }

    void tick() {
        long now = loop.currentTimeMillis();
        reported.values().removeIf(r -> now - r.receivedAtMillis() > RETENTION_MILLIS);
        List<Message.LinkEntry> entries = fitted(current(now));
        LinkReport own = snapshot.own();
        if (changed(lastSent, entries) || now - lastSentAt >= intervalMillis) {
            Message.Links m = new Message.Links(++seq, entries, 0);
            sendToAllV2.accept(m, null);
            sent++;
            lastSent = entries;
            lastSentAt = now;
            own = new LinkReport(nodeId, seq, entries, now);
        }
        publish(own);
    }

    private void publish(LinkReport own) {
        snapshot = new Snapshot(own, Collections.unmodifiableMap(new LinkedHashMap<>(reported)));
    }

    /** Connected peers first (with RTT and loss), then the addresses that should be links but are not. */
    private List<Message.LinkEntry> current(long now) {
        List<Message.LinkEntry> out = new ArrayList<>();
        Map<String, LinkState> oneWay = new HashMap<>();
        List<Message.LinkEntry> missing = new ArrayList<>();
        Set<String> connected = new HashSet<>();
        Set<String> listening = new HashSet<>();
        for (PeerView p : peers.get()) {
            connected.add(p.nodeid());
            listening.add(p.listenAddress());
        }
        for (TargetStatus t : targets.get()) {
            LinkState s = LinkStates.of(t);
            if (s == null || (t.nodeId() == null && listening.contains(t.address()))) {
                continue; // not missing, or a dial (crossing, verification) to where a connected peer listens
            }
            if (t.nodeId() == null || !connected.contains(t.nodeId())) {
                missing.add(new Message.LinkEntry(t.nodeId(), t.address(), s, null, null));
            } else if (s == LinkState.ONE_WAY) {
                oneWay.put(t.nodeId(), s); // a peer whose address we cannot dial: the link works one way
            } // else: another name of an address whose node is connected: not a missing link
        }
        Set<String> seen = new HashSet<>();
        for (PeerView p : peers.get()) {
            seen.add(p.nodeid());
            double lost = loss.computeIfAbsent(p.nodeid(), k -> new LossWindow()).record(stale(p, now));
            out.add(new Message.LinkEntry(p.nodeid(), p.listenAddress(), oneWay.getOrDefault(p.nodeid(), LinkState.UP),
                    p.smoothedRttMillis(), lost));
        }
        loss.keySet().retainAll(seen);
        out.addAll(missing);
        return out;
    }

    private boolean stale(PeerView p, long now) {
        String since = p.lastPong() != null ? p.lastPong() : p.connectedSince();
        return since != null && now - Instant.parse(since).toEpochMilli() > staleMillis;
    }

    /** At most the codec's entry limit, and fewer until the line fits the frame limit. */
    private List<Message.LinkEntry> fitted(List<Message.LinkEntry> entries) {
        List<Message.LinkEntry> fit = entries.size() > MessageCodec.MAX_LINK_ENTRIES
                ? entries.subList(0, MessageCodec.MAX_LINK_ENTRIES) : entries;
        while (!fit.isEmpty() && MessageCodec.encode(new Message.Links(Long.MAX_VALUE, fit, 0)).length() > maxFrameBytes) {
            fit = fit.subList(0, fit.size() * 3 / 4);
        }
        return List.copyOf(fit);
    }

    /** A link appeared, went or changed state, or its RTT moved by over a quarter and 1 ms. */
    static boolean changed(List<Message.LinkEntry> before, List<Message.LinkEntry> now) {
        if (before.size() != now.size()) {
            return true;
        }
        Map<String, Message.LinkEntry> byKey = new HashMap<>();
        for (Message.LinkEntry e : before) {
            byKey.put(key(e), e);
        }
        for (Message.LinkEntry e : now) {
            Message.LinkEntry b = byKey.get(key(e));
            if (b == null || b.state() != e.state() || (b.rttMillis() == null) != (e.rttMillis() == null)) {
                return true;
            }
            if (b.rttMillis() != null) {
                double d = Math.abs(b.rttMillis() - e.rttMillis());
                if (d > 1 && d > b.rttMillis() / 4) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String key(Message.LinkEntry e) {
        return e.nodeId() != null ? e.nodeId() : e.addr();
    }

    /** The last {@value #LOSS_WINDOW} ticks of one peer: answered or not. */
    private static final class LossWindow {
        private final boolean[] missed = new boolean[LOSS_WINDOW];
        private int next;
        private int filled;
        private int count;

        double record(boolean miss) {
            if (filled == LOSS_WINDOW && missed[next]) {
                count--;
            }
            missed[next] = miss;
            count += miss ? 1 : 0;
            next = (next + 1) % LOSS_WINDOW;
            filled = Math.min(LOSS_WINDOW, filled + 1);
            return (double) count / filled;
        }
    }
}
