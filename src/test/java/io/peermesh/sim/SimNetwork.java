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
        String toIp = to.host();
        long rtt = 2 * baseLatencyNanos;
        if (isBlocked(fromIp, toIp) || isBlocked(toIp, fromIp) || dialsBlocked.contains(fromIp + ">" + toIp)
                || !hostLoops.containsKey(toIp)) {
            // SYNs (or their answers) are lost: the dial times out.
            sim.at(sim.nowNanos() + connectTimeoutMillis * 1_000_000L, fromLoop, () -> done.accept(
                    new Transport.Failed(Transport.Failed.Kind.TIMEOUT, "dial to " + to + " timed out (p2p.connect-timeout)", false)));
            return;
        }
        sim.at(sim.nowNanos() + baseLatencyNanos, null, () -> {
            Consumer<Link> listener = listeners.get(toIp + ":" + to.port());
            if (listener == null) { // a reset comes back
                sim.at(sim.nowNanos() + baseLatencyNanos, fromLoop, () -> done.accept(new Transport.Failed(
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
            sim.at(sim.nowNanos(), toLoop, () -> {
                Consumer<Link> l = listeners.get(toIp + ":" + to.port());
                if (l == null) {
                    acceptor.crash(); // the server closed meanwhile: the dialer sees a reset
                } else {
                    l.accept(acceptor);
                }
            });
            sim.at(sim.nowNanos() + baseLatencyNanos, fromLoop, () -> done.accept(new Transport.Connected(dialer)));
        });
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
        deliver(from, () -> from.peer.arrive(data));
    }

    void sendClose(SimLink from) {
        deliver(from, from.peer::closeArrives);
    }

    /** Schedules a segment of {@code from}'s direction, in order, held while a partition blocks it. */
    private void deliver(SimLink from, Runnable arrival) {
        SimLink to = from.peer;
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
