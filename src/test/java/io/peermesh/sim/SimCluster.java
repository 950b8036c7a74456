package io.peermesh.sim;

import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.wire.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A cluster of simulated pods on one {@link Simulation}: addresses 10.x.y.z:5999, a headless
 * Service ({@link SimDns}) listing them, the production defaults unless a scenario changes them.
 */
public final class SimCluster {

    public static final int PORT = 5999;
    public static final String SERVICE = "peermesh-peers";

    private final Simulation sim;
    private final SimNetwork network;
    private final SimDns dns;
    private final List<SimNode> nodes = new ArrayList<>();

    public SimCluster(long seed) {
        this.sim = new Simulation(seed);
        this.network = new SimNetwork(sim);
        this.dns = new SimDns(sim);
    }

    public Simulation sim() {
        return sim;
    }

    public SimNetwork network() {
        return network;
    }

    public SimDns dns() {
        return dns;
    }

    public List<SimNode> nodes() {
        return nodes;
    }

    static String ipOf(int i) {
        int n = i + 10;
        return "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255);
    }

    /** The production defaults, with this pod's address, DNS discovery of the Service, and {@code tweak}. */
    public static NodeConfig config(String ip, UnaryOperator<NodeConfig.Builder> tweak) {
        NodeConfig.Builder b = NodeConfig.builder().host(ip).port(PORT).advertise(new HostPort(ip, PORT))
                .discovery(DiscoveryConfig.DEFAULTS.withDns(SERVICE));
        return tweak.apply(b).build();
    }

    /** Adds a pod (not started) and lists it in DNS. */
    public SimNode add(UnaryOperator<NodeConfig.Builder> tweak, NodeObserver observer) {
        String ip = ipOf(nodes.size());
        SimNode n = new SimNode(this, ip, config(ip, tweak), observer);
        nodes.add(n);
        dns.list(n.address());
        return n;
    }

    /** Adds {@code count} pods and starts each at a random moment within {@code spread}. */
    public List<SimNode> startAll(int count, Duration spread, UnaryOperator<NodeConfig.Builder> tweak) {
        List<SimNode> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SimNode n = add(tweak, NodeObserver.NONE);
            added.add(n);
            long at = sim.nowNanos() + (spread.isZero() ? 0 : (long) (sim.random().nextDouble() * spread.toNanos()));
            sim.at(at, null, n::start);
        }
        return added;
    }

    public List<SimNode> running() {
        return nodes.stream().filter(SimNode::running).toList();
    }

    /**
     * Every node was started, and every one still running holds a registered connection to every
     * other running one.
     */
    public boolean fullMesh() {
        for (SimNode n : nodes) {
            if (n.node() == null) {
                return false; // not started yet
            }
        }
        List<SimNode> up = running();
        for (SimNode n : up) {
            if (n.node() == null || n.peerCount() != up.size() - 1) {
                return false;
            }
        }
        return true;
    }

    /** Every running node is ready. */
    public boolean allReady() {
        for (SimNode n : running()) {
            if (n.node() == null || !n.node().readiness().ready()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks that every pair of running nodes agrees: A lists B at most once (by construction of
     * the peer table) and, if A lists B, B lists A over the same connection (the remote address A
     * sees is the local end of the link B registered). Returns the violations, empty when none.
     */
    public List<String> disagreements() {
        Map<String, SimNode> byId = new HashMap<>();
        for (SimNode n : running()) {
            byId.put(n.nodeId(), n);
        }
        List<String> problems = new ArrayList<>();
        for (SimNode a : running()) {
            for (PeerView p : a.peers()) {
                SimNode b = byId.get(p.nodeid());
                if (b == null) {
                    problems.add(a + " lists " + p.nodeid() + ", which is not running");
                    continue;
                }
                PeerView back = b.peers().stream().filter(q -> q.nodeid().equals(a.nodeId())).findFirst().orElse(null);
                if (back == null) {
                    problems.add(a + " lists " + b + " but " + b + " does not list " + a);
                    continue;
                }
                SimLink end = network.endAt(a.loop(), p.remoteAddress());
                if (end == null || !end.localAddress().equals(back.remoteAddress())) {
                    problems.add(a + " and " + b + " registered different connections (" + p.remoteAddress() + " / "
                            + back.remoteAddress() + ")");
                }
            }
        }
        return problems;
    }
}
