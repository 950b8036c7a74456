package io.peermesh.sim;

import io.peermesh.node.MeshNode;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.wire.HostPort;
import java.util.List;
import java.util.UUID;

/**
 * One simulated pod: a real {@link MeshNode} on a {@link SimLoop} and the simulated network, at a
 * fixed address. The process can be stopped gracefully, crash (kill -9), pause (SIGSTOP), resume
 * (SIGCONT), and be started again at the same address with a new node id (a restarted pod).
 */
public final class SimNode {

    private final SimCluster cluster;
    private final String ip;
    private final NodeConfig config;
    private final NodeObserver observer;
    private SimLoop loop;
    private MeshNode node;
    private boolean running;
    private int generation;

    SimNode(SimCluster cluster, String ip, NodeConfig config, NodeObserver observer) {
        this.cluster = cluster;
        this.ip = ip;
        this.config = config;
        this.observer = observer;
    }

    /** Starts the process (again): a new node id, the same address. */
    public SimNode start() {
        if (running) {
            throw new IllegalStateException(ip + " is running");
        }
        generation++;
        loop = cluster.sim().newLoop(ip + "#" + generation);
        java.util.random.RandomGenerator r = loop.random();
        // A version-4 UUID from the node's own seeded stream: deterministic per seed.
        String id = new UUID((r.nextLong() & ~0xf000L) | 0x4000L, (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L)
                .toString();
        node = new MeshNode(config, id, loop, cluster.network().transport(ip, loop), observer,
                config.discovery().dns() == null ? null : cluster.dns().resolver(loop), null);
        running = true;
        loop.execute(() -> node.start(failure -> {
            if (failure != null) {
                throw new IllegalStateException("simulated node " + ip + " failed to start", failure);
            }
        }));
        return this;
    }

    /** SIGTERM: byes, then everything closes. */
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        MeshNode n = node;
        loop.execute(() -> n.stop(() -> { }));
    }

    /** kill -9: the process vanishes; its peers get resets. */
    public void crash() {
        if (!running) {
            return;
        }
        running = false;
        loop.crash();
        cluster.network().crashHost(ip, loop);
    }

    /**
     * The host vanishes (power loss, a node lost with its pod): unlike {@link #crash} no reset is
     * sent, so peers notice only when their pings go unanswered (or a restarted process answers).
     */
    public void vanish() {
        if (!running) {
            return;
        }
        running = false;
        loop.crash();
        cluster.network().unlisten(ip, config.port());
    }

    /** SIGSTOP. */
    public void pause() {
        loop.pause();
    }

    /** SIGCONT. */
    public void resume() {
        loop.resume();
    }

    public boolean running() {
        return running;
    }

    public boolean paused() {
        return loop.paused();
    }

    public String ip() {
        return ip;
    }

    public HostPort address() {
        return new HostPort(ip, config.port());
    }

    public MeshNode node() {
        return node;
    }

    public SimLoop loop() {
        return loop;
    }

    public String nodeId() {
        return node.nodeId();
    }

    public List<PeerView> peers() {
        return node.peerViews();
    }

    public int peerCount() {
        return node.peerCount();
    }

    @Override
    public String toString() {
        return ip + (node == null ? "" : "(" + node.nodeId().substring(0, 8) + ")");
    }
}
