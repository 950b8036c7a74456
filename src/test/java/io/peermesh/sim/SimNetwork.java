package io.peermesh.sim;

import io.peermesh.runtime.Link;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The simulated network: hosts by IP, a listener per {@code host:port}, TCP connections as pairs of
 * {@link SimLink}s, a latency model, and faults: symmetric and one-way partitions (traffic waits, as
 * TCP retransmits, and a connect times out), stateful blocks of new connections in one direction
 * (a firewall: established traffic still flows), refused connections where nothing listens.
 * Latency: one way = {@code baseLatency} plus an exponential jitter, and with probability
 * {@code lossRate} a segment is lost once and retransmitted after {@value #RTO_MILLIS} ms (TCP is
 * reliable: loss shows as delay, never as a gap). Reordering exists only across connections.
 */
public final class SimNetwork {

    /** TCP's minimum retransmission timeout (Linux: 200 ms). */
    static final long RTO_MILLIS = 200;

    private final Simulation sim;
    private final Map<String, Consumer<Link>> listeners = new HashMap<>(); // "ip:port" -> accept
    private final Map<String, SimLoop> hostLoops = new HashMap<>();
    private final Set<String> blocked = new HashSet<>(); // "from>to": every segment waits
    private final Set<String> dialsBlocked = new HashSet<>(); // "from>to": new connections time out
    private final Set<SimLink> live = new LinkedHashSet<>();
    private final Map<String, Integer> nextPort = new HashMap<>();
    private final List<Runnable> waiting = new ArrayList<>(); // deliveries held by a partition
    private long baseLatencyNanos = 200_000; // 0.2 ms, a link within a zone
    private double jitterMeanNanos = 50_000;
    private double lossRate;
    private long connectTimeoutMillis = 3000;
    /** Another IP that leads to a host (a Service VIP, a second name): what dials to it reach. */
    private final Map<String, String> aliases = new HashMap<>();
    /** Told of every connection end whose node was notified of the close (read-only, for tests). */
    private java.util.function.BiConsumer<SimLoop, Link.Handler> closeListener;
    /** Non-null while deliveries wait for a test to pick their order (see {@link Controlled}). */
    private Controlled controlled;

    /**
     * Deliveries (a connect reaching the listener, an accept, a connect completing, a segment, a
     * close) held for a test to order by hand: the model checker's view of the network. Time stands
     * still meanwhile. One channel per connect attempt and per direction of a connection; a channel
     * delivers in order.
     */
    public static final class Controlled {
        private final java.util.LinkedHashMap<Object, java.util.ArrayDeque<Object[]>> channels = new java.util.LinkedHashMap<>();

        /**
         * {@code peer}: the other host of the connection (deliveries from different peers commute);
         * {@code decisive}: an event the handshake rules decide on, the others are delivered in one
         * fixed order.
         */
        void add(Object channel, SimLoop owner, String peer, Runnable action, boolean decisive) {
            channels.computeIfAbsent(channel, k -> new java.util.ArrayDeque<>()).add(new Object[] {owner, action, decisive, peer});
        }

        /**
         * The next delivery: to the node with the lowest id that has any (deliveries to different
         * nodes commute, so their order need not be explored), and among that node's, the one
         * {@code chooser} picks. Null when nothing is pending.
         */
        Object[] pick(Simulation.Chooser chooser, long now) {
            SimLoop target = null;
            for (java.util.ArrayDeque<Object[]> q : channels.values()) {
                SimLoop o = (SimLoop) q.peek()[0];
                if (target == null || o.id() < target.id()) {
                    target = o;
                }
            }
            if (target == null) {
                return null;
            }
            // Among the target's deliveries, those of one peer (the lowest address): what a node
            // decides about one peer (crossing dials, admission, the peer table entry) depends on
            // that peer's connections only, so orders across peers need no exploring.
            String peer = null;
            for (java.util.ArrayDeque<Object[]> q : channels.values()) {
                if (q.peek()[0] == target && (peer == null || ((String) q.peek()[3]).compareTo(peer) < 0)) {
                    peer = (String) q.peek()[3];
                }
            }
            List<Object> heads = new ArrayList<>();
            for (var e : channels.entrySet()) {
                Object[] head = e.getValue().peek();
                if (head[0] == target && head[3].equals(peer)) {
                    if (!(Boolean) head[2]) {
                        heads.clear(); // background traffic first, in one order: no choice to explore
                        heads.add(e.getKey());
                        break;
                    }
                    heads.add(e.getKey());
                }
            }
            Object channel = heads.size() == 1 ? heads.get(0) : heads.get(chooser.choose(heads.size(), now));
            java.util.ArrayDeque<Object[]> q = channels.get(channel);
            Object[] item = q.poll();
            if (q.isEmpty()) {
                channels.remove(channel);
            }
            return item;
        }
    }

    /** Holds deliveries for the caller to order ({@link #deliverNext}); null returns to timed delivery. */
    public void control(Controlled c) {
        controlled = c;
    }

    /** Delivers the next held item as {@code chooser} orders it; false when none was pending. */
    public boolean deliverNext(Simulation.Chooser chooser) {
        Object[] item = controlled.pick(chooser, sim.nowNanos());
        if (item == null) {
            return false;
        }
        sim.at(sim.nowNanos(), (SimLoop) item[0], (Runnable) item[1]);
        return true;
    }

    /** Runs {@code action} on {@code owner} after {@code delayNanos}, or holds it on {@code channel} when controlled. */
    private void post(Object channel, SimLoop owner, String peer, long delayNanos, Runnable action) {
        if (controlled != null) {
            controlled.add(channel, owner, peer, action, true);
        } else {
            sim.at(sim.nowNanos() + delayNanos, owner, action);
        }
    }

    public SimNetwork(Simulation sim) {
        this.sim = sim;
    }

    public SimNetwork latency(java.time.Duration base, java.time.Duration jitterMean) {
        baseLatencyNanos = base.toNanos();
        jitterMeanNanos = jitterMean.toNanos();
        return this;
    }

    /** Each segment is lost once (and retransmitted after the RTO) with this probability. */
    public SimNetwork loss(double rate) {
        lossRate = rate;
        return this;
    }

    public SimNetwork connectTimeout(java.time.Duration t) {
        connectTimeoutMillis = t.toMillis();
        return this;
    }

    /** The transport of a node on {@code ip}, whose loop is {@code loop}. */
    public Transport transport(String ip, SimLoop loop) {
        hostLoops.put(ip, loop);
        return new SimTransport(this, ip, loop);
    }

    /** Dials to {@code aliasIp} reach {@code realIp}'s listeners: two addresses for one node. */
    public void alias(String aliasIp, String realIp) {
        aliases.put(aliasIp, realIp);
    }

    /**
     * Observes closes: called on the closing end's loop right after its handler (a node's
     * connection) was told, so the handler's own view (e.g. why it closed) is final. Changes nothing.
     */
    public void onClose(java.util.function.BiConsumer<SimLoop, Link.Handler> listener) {
        closeListener = listener;
    }

    void closed(SimLoop owner, Link.Handler handler) {
        if (closeListener != null && handler != null) {
            closeListener.accept(owner, handler);
        }
    }

    // ------------------------------------------------------------------ faults

    /** No traffic between the two hosts, either way, until {@link #heal}. */
    public void partition(String a, String b) {
        blocked.add(a + ">" + b);
        blocked.add(b + ">" + a);
    }

    /** No traffic from {@code from} to {@code to} (the other way flows) until {@link #heal}. */
    public void blockDirection(String from, String to) {
        blocked.add(from + ">" + to);
    }

    /** A stateful firewall: new connections from {@code from} to {@code to} time out; established ones work. */
    public void blockDials(String from, String to) {
        dialsBlocked.add(from + ">" + to);
    }

    /** Every partition and block lifted; held traffic flows on, in order. */
    public void heal() {
        blocked.clear();
        dialsBlocked.clear();
        List<Runnable> resume = new ArrayList<>(waiting);
        waiting.clear();
        resume.forEach(Runnable::run);
    }

    private boolean isBlocked(String from, String to) {
        return !blocked.isEmpty() && blocked.contains(from + ">" + to);
    }

    // ------------------------------------------------------------------ connections

    void listen(String ip, int port, Consumer<Link> accepted) {
        listeners.put(ip + ":" + port, accepted);
    }

    void unlisten(String ip, int port) {
        listeners.remove(ip + ":" + port);
    }

    boolean isGone(SimLoop loop) {
        return loop.crashed();
    }

    void connect(String fromIp, SimLoop fromLoop, HostPort to, Consumer<Transport.DialOutcome> done) {
        String toIp = aliases.getOrDefault(to.host(), to.host());
        long rtt = 2 * baseLatencyNanos;
        if (isBlocked(fromIp, toIp) || isBlocked(toIp, fromIp) || dialsBlocked.contains(fromIp + ">" + toIp)
                || !hostLoops.containsKey(toIp)) {
            // SYNs (or their answers) are lost: the dial times out.
            sim.at(sim.nowNanos() + connectTimeoutMillis * 1_000_000L, fromLoop, () -> done.accept(
                    new Transport.Failed(Transport.Failed.Kind.TIMEOUT, "dial to " + to + " timed out (p2p.connect-timeout)", false)));
            return;
        }
        Runnable synArrives = () -> {
            Consumer<Link> listener = listeners.get(toIp + ":" + to.port());
            if (listener == null) { // a reset comes back
                post(new Object(), fromLoop, toIp, baseLatencyNanos, () -> done.accept(new Transport.Failed(
                        Transport.Failed.Kind.REFUSED, "dial to " + to + " refused: nothing listens there", false)));
                return;
            }
            // The listener's kernel completes the handshake even if its process is stopped.
            SimLoop toLoop = hostLoops.get(toIp);
            int port = nextPort.merge(fromIp, 1, Integer::sum) + 40000;
            String local = fromIp + ":" + port;
            SimLink dialer = new SimLink(this, fromLoop, local, to.toString());
            SimLink acceptor = new SimLink(this, toLoop, to.toString(), local);
            dialer.peer = acceptor;
            acceptor.peer = dialer;
            live.add(dialer);
            live.add(acceptor);
            sim.record(port);
            post(new Object(), toLoop, fromIp, 0, () -> {
                Consumer<Link> l = listeners.get(toIp + ":" + to.port());
                if (l == null) {
                    acceptor.crash(); // the server closed meanwhile: the dialer sees a reset
                } else {
                    l.accept(acceptor);
                }
            });
            post(new Object(), fromLoop, toIp, baseLatencyNanos, () -> done.accept(new Transport.Connected(dialer)));
        };
        if (controlled != null) {
            controlled.add(new Object(), hostLoops.get(toIp), fromIp, synArrives, true);
        } else {
            sim.at(sim.nowNanos() + baseLatencyNanos, null, synArrives);
        }
        sim.record(rtt);
    }

    private long oneWayNanos() {
        long d = baseLatencyNanos + (long) (-jitterMeanNanos * Math.log(1 - sim.random().nextDouble()));
        if (lossRate > 0 && sim.random().nextDouble() < lossRate) {
            d += RTO_MILLIS * 1_000_000L;
        }
        return d;
    }

    private static String ipOf(String address) {
        return address.substring(0, address.lastIndexOf(':'));
    }

    void send(SimLink from, Buffer data) {
        deliver(from, () -> from.peer.arrive(data), decisive(data));
    }

    /**
     * Whether a segment carries a decision of the handshake rules (hello, reject, bye); pings,
     * pongs and address gossip do not, and the model checker does not explore their order.
     */
    private static boolean decisive(Buffer data) {
        String line = data.toString(java.nio.charset.StandardCharsets.UTF_8);
        return line.contains("\"hello\"") || line.contains("\"reject\"") || line.contains("\"bye\"");
    }

    void sendClose(SimLink from) {
        deliver(from, from.peer::closeArrives, true);
    }

    /** Schedules a segment of {@code from}'s direction, in order, held while a partition blocks it. */
    private void deliver(SimLink from, Runnable arrival, boolean decisive) {
        SimLink to = from.peer;
        if (controlled != null) {
            controlled.add(from, to.owner(), ipOf(from.localAddress()), arrival, decisive);
            return;
        }
        long due = Math.max(sim.nowNanos() + oneWayNanos(), from.lastDueNanos);
        from.lastDueNanos = due;
        String fromIp = ipOf(from.localAddress());
        String toIp = ipOf(to.localAddress());
        sim.at(due, null, new Runnable() {
            @Override
            public void run() {
                if (isBlocked(fromIp, toIp)) {
                    waiting.add(() -> sim.at(sim.nowNanos() + oneWayNanos(), null, this));
                } else {
                    sim.at(sim.nowNanos(), to.owner(), arrival);
                }
            }
        });
    }

    void forget(SimLink link) {
        live.remove(link);
    }

    /** The live end at {@code owner}'s side whose remote address is {@code remote}, if any (for invariants). */
    SimLink endAt(SimLoop owner, String remote) {
        for (SimLink l : live) {
            if (l.owner() == owner && l.remoteAddress().equals(remote) && !l.closed()) {
                return l;
            }
        }
        return null;
    }

    /** Links of {@code owner} that are open now. */
    public int linksOf(SimLoop owner) {
        int n = 0;
        for (SimLink l : live) {
            if (l.owner() == owner && !l.closed()) {
                n++;
            }
        }
        return n;
    }

    public int liveLinks() {
        return live.size();
    }

    /** The node on {@code ip} crashed: every link it held resets, its listeners vanish. */
    void crashHost(String ip, SimLoop loop) {
        listeners.keySet().removeIf(k -> k.startsWith(ip + ":"));
        for (SimLink l : new ArrayList<>(live)) {
            if (l.owner() == loop) {
                l.crash();
            }
        }
    }

    void rehost(String ip, SimLoop loop) {
        hostLoops.put(ip, loop);
    }
}
