package io.peermesh.node;

import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.dial.DialTarget;
import io.peermesh.node.dial.Dialer;
import io.peermesh.node.events.AddrDrop;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Peer exchange: how nodes that met through one seed find all the others.
 *
 * <ul>
 *   <li>After a handshake each side sends {@code getaddr} if it has at most three peers, or if
 *       nobody told it about the other node; the answer lists the listening addresses of peers
 *       known to be alive (a pong, or a handshake, within the ping timeout).</li>
 *   <li>A newly handshaked peer is announced to every other peer in an unsolicited one-entry
 *       {@code addr}, unless we heard of it from gossip ourselves (then whoever told us already
 *       announced it) or DNS lists it (everyone reads DNS): a join spreads in one or two hops
 *       without announcement storms.</li>
 *   <li>Every {@code getaddr-interval} (jittered) a random peer is asked again: the safety net.</li>
 *   <li>Incoming entries are validated by the codec; unsolicited ones pass a per-peer token
 *       bucket, the answer to our own getaddr does not (as Bitcoin Core exempts it).</li>
 * </ul>
 * Threading: on the node's event loop.
 */
final class PeerExchange {

    private static final int HEARD_OF_LIMIT = 4096;
    /** A node with at most this many peers asks every new one for addresses (see {@link #established}). */
    static final int ASK_WHILE_PEERS_AT_MOST = 3;

    private final io.peermesh.runtime.Loop loop;
    private final NodeConfig config;
    private final NodeObserver observer;
    private final PeerTable table;
    private final Dialer dialer;
    private final String selfId;
    private final HostPort self;
    private final LinkedHashSet<String> heardOf = new LinkedHashSet<>();
    /** Nodes recently refused as "full", passed on to the next refused ones so they can pair up. */
    private final java.util.ArrayDeque<Message.AddrEntry> refused = new java.util.ArrayDeque<>();
    private long timer = -1;

    PeerExchange(io.peermesh.runtime.Loop loop, NodeConfig config, NodeObserver observer, PeerTable table,
            Dialer dialer, String selfId, HostPort self) {
        this.loop = loop;
        this.config = config;
        this.observer = observer;
        this.table = table;
        this.dialer = dialer;
        this.selfId = selfId;
        this.self = self;
    }

    void start() {
        scheduleGetaddr();
    }

    void stop() {
        if (timer >= 0) {
            loop.cancel(timer);
            timer = -1;
        }
    }

    boolean timerPending() {
        return timer >= 0;
    }

    private void scheduleGetaddr() {
        long base = config.discovery().getaddrInterval().toMillis();
        long delay = Math.max(10, (long) (base * (0.5 + loop.random().nextDouble())));
        timer = loop.schedule(delay, () -> {
            timer = -1;
            List<PeerConnection> peers = table.connections();
            if (!peers.isEmpty()) {
                ask(peers.get(loop.random().nextInt(peers.size())));
            }
            scheduleGetaddr();
        });
    }

    private void ask(PeerConnection c) {
        c.standing().expectAddr();
        c.send(new Message.GetAddr());
    }

    /**
     * A handshake completed ({@code listenAddress}: its hello's {@code listen}, parsed; null if none
     * or invalid): ask the new peer for addresses if it can tell us something, and tell
     * the others about it.
     *
     * <p>Asking every new peer made a forming mesh cost O(N^3): each of the N(N-1) handshakes
     * brought an answer of up to N entries that the asker mostly knew already (a 100-node mesh
     * decoded ~10^6 entries, the largest cost in its JFR profile). A peer is worth asking while this
     * node is still finding its way (its first {@value #ASK_WHILE_PEERS_AT_MOST} peers), or when
     * nobody told us about it: then it came from outside what we know, e.g. the other side of a
     * healed partition, and may know others we do not. Everyone else we know of through gossip,
     * whose senders announce new peers as they join; the periodic getaddr is the safety net.
     */
    void established(PeerConnection c, HostPort listenAddress) {
        String listen = c.peerHello().listen();
        // Known from DNS: every other node reads the same name, so it is news to nobody. (Nodes
        // that meet before their next lookup lists each other still announce each other.)
        boolean heardOfIt = heardOf.contains(c.nodeId()) || dialer.listedByDns(listenAddress);
        if (table.size() <= ASK_WHILE_PEERS_AT_MOST || !heardOfIt) {
            ask(c);
        }
        if (listen == null || heardOfIt) {
            return;
        }
        Message.Addr announcement = new Message.Addr(List.of(new Message.AddrEntry(c.nodeId(), listen)), 0);
        for (PeerConnection other : table.connections()) {
            if (other != c) {
                other.send(announcement);
            }
        }
    }

    /** Answers a getaddr with live peers' listening addresses, in lines under max-frame-bytes. */
    void answer(PeerConnection asker) {
        long now = loop.nanoTime();
        long fresh = config.pingTimeout().toNanos();
        int budget = config.maxFrameBytes() - 64;
        List<Message.AddrEntry> chunk = new ArrayList<>();
        int bytes = 0;
        int total = 0;
        for (PeerConnection c : table.connections()) {
            String listen = c.peerHello().listen();
            if (c == asker || listen == null || !c.pings().aliveWithin(now, fresh)) {
                continue;
            }
            Message.AddrEntry e = new Message.AddrEntry(c.nodeId(), listen);
            int size = MessageCodec.entryBytes(e);
            if (!chunk.isEmpty() && bytes + size > budget) {
                asker.send(new Message.Addr(chunk, 0));
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(e);
            bytes += size;
            if (++total == MessageCodec.MAX_ADDR_ENTRIES) {
                break;
            }
        }
        // An empty answer still tells the asker "I know nobody else" (and ends its exemption).
        asker.send(new Message.Addr(chunk, 0));
    }

    /** Takes in an addr: validated by the codec, rate limited here, then offered to the dialer. */
    void receive(PeerConnection from, Message.Addr addr) {
        if (addr.invalidEntries() > 0) {
            observer.addrEntriesDropped(AddrDrop.INVALID, addr.invalidEntries());
        }
        List<Message.AddrEntry> entries = addr.peers();
        int allowed = from.standing().takeExpectedAddr() ? entries.size() : from.standing().addrBudget().take(entries.size(), loop.nanoTime());
        if (allowed < entries.size()) {
            observer.addrEntriesDropped(AddrDrop.RATE_LIMITED, entries.size() - allowed);
        }
        learn(entries.subList(0, allowed));
    }

    /** Offers addresses a peer vouched for (an addr, or a full node's reject) to the dialer. */
    void learn(List<Message.AddrEntry> entries) {
        for (Message.AddrEntry e : entries) {
            if (e.nodeId().equals(selfId) || table.get(e.nodeId()) != null) {
                continue;
            }
            HostPort address = HostPort.parse(e.addr()).orElse(null);
            if (address == null || address.equals(self)) {
                continue;
            }
            remember(e.nodeId());
            dialer.offer(address, DialTarget.Source.GOSSIP, e.nodeId());
        }
    }

    /** Remembers a node refused for being full (its listening address, when it has one). */
    void refused(Message.Hello hello) {
        if (hello.listen() == null) {
            return;
        }
        refused.removeIf(e -> e.nodeId().equals(hello.nodeId()));
        refused.addLast(new Message.AddrEntry(hello.nodeId(), hello.listen()));
        if (refused.size() > 8) {
            refused.removeFirst();
        }
    }

    /**
     * For a reject "full": some live peers, and nodes recently refused too (they likely have free
     * slots), so the refused dialer can go there.
     */
    List<Message.AddrEntry> sample(int max) {
        List<Message.AddrEntry> out = new ArrayList<>(refused);
        List<PeerConnection> peers = table.connections();
        int start = peers.isEmpty() ? 0 : loop.random().nextInt(peers.size());
        for (int i = 0; i < peers.size() && out.size() < max; i++) {
            PeerConnection c = peers.get((start + i) % peers.size());
            if (c.peerHello().listen() != null) {
                out.add(new Message.AddrEntry(c.nodeId(), c.peerHello().listen()));
            }
        }
        return out;
    }

    private void remember(String nodeId) {
        if (heardOf.add(nodeId) && heardOf.size() > HEARD_OF_LIMIT) {
            Iterator<String> oldest = heardOf.iterator();
            oldest.next();
            oldest.remove();
        }
    }
}
