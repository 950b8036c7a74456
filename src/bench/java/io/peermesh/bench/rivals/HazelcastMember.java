package io.peermesh.bench.rivals;

import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One Hazelcast 5.7 member for the process section of the benchmark (ProcessBench), printing its
 * views ({@link MemberLines}; a member's id is its address, which survives a split-brain merge
 * where its UUID does not). Args: {@code port seed-port cluster default|tuned}.
 *
 * <p>{@code new Config()} defaults with only what joining on loopback needs changed:
 * <ul>
 * <li>network port = the port given, no auto-increment; interface 127.0.0.1 and
 *     {@code hazelcast.socket.bind.any=false}: loopback, one port of its own per process;</li>
 * <li>join: TCP-IP with the seed as its only member; multicast and auto-detection off (both would
 *     look beyond loopback);</li>
 * <li>{@code hazelcast.phone.home.enabled=false}: otherwise each member calls its vendor's server at
 *     start, and the benchmark stays on loopback;</li>
 * <li>cluster name: one per benchmark run, so no other Hazelcast on the machine can join.</li>
 * </ul>
 * "tuned" also sets {@code hazelcast.heartbeat.interval.seconds=2} (default 5) and
 * {@code hazelcast.max.no.heartbeat.seconds=6} (default 60): peermesh's ping interval and timeout.
 * The split-brain merge delays (first run 300 s, then every 120 s) stay default.
 */
public final class HazelcastMember {

    private HazelcastMember() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int seedPort = Integer.parseInt(args[1]);
        String cluster = args[2];
        boolean tuned = args[3].equals("tuned");
        Config config = new Config().setClusterName(cluster);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        if (tuned) {
            config.setProperty("hazelcast.heartbeat.interval.seconds", "2");
            config.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
        }
        NetworkConfig network = config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + seedPort);
        config.addListenerConfig(new ListenerConfig(new InitialMembershipListener() {
            @Override
            public void init(InitialMembershipEvent event) {
                MemberLines.view(ids(event.getMembers()));
            }

            @Override
            public void memberAdded(MembershipEvent event) {
                MemberLines.view(ids(event.getMembers()));
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                MemberLines.view(ids(event.getMembers()));
            }
        }));
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
        Member self = hz.getCluster().getLocalMember();
        MemberLines.joined(id(self), ids(hz.getCluster().getMembers()));
        MemberLines.exitOnCommand(hz::shutdown);
    }

    private static List<String> ids(Collection<Member> members) {
        return members.stream().map(HazelcastMember::id).collect(Collectors.toList());
    }

    private static String id(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }
}
