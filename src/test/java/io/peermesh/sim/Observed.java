package io.peermesh.sim;

import io.peermesh.node.CloseCause;
import io.peermesh.node.Direction;
import io.peermesh.node.PeerConnection;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.PeerView;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.MsgType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

/**
 * A {@link SimCluster} whose nodes are watched from outside the core: what each node counted
 * (its {@link NodeObserver}) and why each of its connections closed (read off the connection
 * after the node handled the close, via {@link SimNetwork#onClose}). Nothing here changes what a
 * node does; the behaviour tests ({@code SimBehaviour*Test}) assert on it.
 */
final class Observed {

    /**
     * One connection end closed at {@code node}: to {@code peerId} (null before its hello), why,
     * how long it had been established ({@code ageMillis}, -1 if never), and how many peers other
     * than {@code node} the node at the other end held at that moment ({@code peersOfPeer}, -1 if
     * unknown).
     */
    record Close(long atMillis, SimNode node, String peerId, Direction direction, CloseCause cause, long ageMillis,
            int peersOfPeer) {
        CloseCause.Kind kind() {
            return cause.kind();
        }

        boolean established() {
            return ageMillis >= 0;
        }

        @Override
        public String toString() {
            return atMillis + "ms " + node + " " + direction + " to " + (peerId == null ? "?" : peerId.substring(0, 8))
                    + (established() ? " (established " + ageMillis + " ms)" : "") + ": " + cause;
        }
    }

    /** What one node reported to its observer, by message type and result. */
    static final class Counts implements NodeObserver {
        final Map<MsgType, Long> sent = new EnumMap<>(MsgType.class);
        final Map<MsgType, Long> received = new EnumMap<>(MsgType.class);
        final Map<DialResult, Long> dials = new EnumMap<>(DialResult.class);
        final Map<HandshakeResult, Long> handshakes = new EnumMap<>(HandshakeResult.class);

        @Override public void sent(MsgType type, int bytes) { sent.merge(type, 1L, Long::sum); }
        @Override public void received(MsgType type, int bytes) { received.merge(type, 1L, Long::sum); }
        @Override public void dialed(DialResult r) { dials.merge(r, 1L, Long::sum); }
        @Override public void handshake(HandshakeResult r) { handshakes.merge(r, 1L, Long::sum); }

        long sent(MsgType t) { return sent.getOrDefault(t, 0L); }
        long received(MsgType t) { return received.getOrDefault(t, 0L); }
        long dials() { return dials.values().stream().mapToLong(Long::longValue).sum(); }
        long handshakes(HandshakeResult r) { return handshakes.getOrDefault(r, 0L); }
    }

    final SimCluster cluster;
    final Simulation sim;
    final List<Close> closes = new ArrayList<>();
    private final Map<SimNode, Counts> counts = new HashMap<>();

    Observed(long seed) {
        cluster = new SimCluster(seed);
        sim = cluster.sim();
        cluster.network().onClose((loop, handler) -> {
            if (handler instanceof PeerConnection c) {
                SimNode at = cluster.nodes().stream().filter(x -> x.loop() == loop).findFirst().orElse(null);
                if (at == null) {
                    return; // a former process of a restarted pod: its closes no longer matter
                }
                long age = c.establishedAtMillis() > 0 ? loop.currentTimeMillis() - c.establishedAtMillis() : -1;
                closes.add(new Close(sim.nowMillis(), at, c.nodeId(), c.direction(), c.cause(), age, peersOf(c.nodeId(), at)));
            }
        });
    }

    private int peersOf(String nodeId, SimNode except) {
        for (SimNode x : cluster.running()) {
            if (x.node() != null && x.nodeId().equals(nodeId)) {
                return (int) x.peers().stream().filter(p -> !p.nodeid().equals(except.nodeId())).count();
            }
        }
        return -1;
    }

    /** Adds a pod (not started) with its own counting observer. */
    SimNode add(UnaryOperator<NodeConfig.Builder> tweak) {
        Counts seen = new Counts();
        SimNode n = cluster.add(tweak, seen);
        counts.put(n, seen);
        return n;
    }

    Counts counts(SimNode n) {
        return counts.get(n);
    }

    List<Close> closesAt(SimNode n) {
        return closes.stream().filter(x -> x.node() == n).toList();
    }

    /** The default seeds, or {@code -Dsim.seeds=N}, or one {@code -Dsim.seed=S} (as SimPropertiesTest). */
    static LongStream seeds() {
        String one = System.getProperty("sim.seed");
        if (one != null) {
            return LongStream.of(Long.parseLong(one));
        }
        return LongStream.rangeClosed(1, Long.getLong("sim.seeds", 10));
    }

    /** The one line that replays a failure. */
    String hint(Class<?> test, String property) {
        return sim.replayHint(test.getSimpleName() + " " + property) + " -Dtest=" + test.getSimpleName();
    }

    static HostPort at(String ip) {
        return new HostPort(ip, SimCluster.PORT);
    }

    static String state(SimNode n, HostPort address) {
        return n.node().targetsNow().stream().filter(t -> t.address().equals(address.toString())).map(t -> t.state())
                .findFirst().orElse(null);
    }

    /** Running nodes' peer tables form one connected graph. */
    boolean connected() {
        return connected(cluster.running());
    }

    /** The peer tables of {@code up} form one connected graph (breadth first from the first). */
    static boolean connected(List<SimNode> up) {
        if (up.isEmpty()) {
            return true;
        }
        Map<String, SimNode> byId = new HashMap<>();
        up.forEach(x -> byId.put(x.nodeId(), x));
        Set<String> seen = new HashSet<>();
        ArrayDeque<SimNode> todo = new ArrayDeque<>(List.of(up.get(0)));
        seen.add(up.get(0).nodeId());
        while (!todo.isEmpty()) {
            for (PeerView p : todo.poll().peers()) {
                SimNode next = byId.get(p.nodeid());
                if (next != null && seen.add(p.nodeid())) {
                    todo.add(next);
                }
            }
        }
        return seen.size() == up.size();
    }
}
