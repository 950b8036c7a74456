package io.peermesh.bench.rivals;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.conf.ConfiguratorFactory;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;

/**
 * One JGroups 5.5 member for the process section of the benchmark (ProcessBench), printing its
 * views ({@link MemberLines}). Args: {@code name port seed-port cluster default|tuned}.
 *
 * <p>The stack is JGroups' own {@code tcp.xml} (TCP transport, TCPPING discovery, MERGE3, FD_SOCK2,
 * FD_ALL3, VERIFY_SUSPECT2, NAKACK2, UNICAST3, STABLE, GMS, MFC/UFC, FRAG2, STATE_TRANSFER) with
 * only what joining on loopback needs changed:
 * <ul>
 * <li>TCP {@code bind_addr=127.0.0.1}, {@code bind_port} = the port given, {@code port_range=0}: loopback,
 *     one port of its own per process;</li>
 * <li>TCPPING {@code initial_hosts} = the seed only, {@code port_range=0}: discovery asks the one seed, as
 *     every peermesh node is given one {@code p2p.bootstrap} address; and {@code return_entire_cache=true}
 *     (tcp.xml's own {@code jgroups.tcpping.return_entire_cache} switch): the seed then answers with every
 *     physical address it knows, not only its own. Without it members that know only the seed cannot reach
 *     one another ("JGRP000032: no physical address for ..., dropping message"): in a first run of 12 they
 *     never all saw 12, and a stopped member was dropped by 2 of 11 in 120 s;</li>
 * <li>FD_SOCK2 {@code bind_addr=127.0.0.1}: its server socket (port + 100) listens on every address otherwise;</li>
 * <li>TCP {@code diag.enabled=false}: the probe responder joins a multicast group, and the benchmark
 *     stays on loopback; no membership protocol uses it.</li>
 * </ul>
 * "tuned" also sets FD_ALL3 {@code interval=2s} (default 5 s) and {@code timeout=6s} (default 40 s):
 * a heartbeat every 2 s and suspicion after 6 s without one, peermesh's ping interval and timeout.
 * The rest of the way to removal stays default: VERIFY_SUSPECT2 checks a suspect for 1.5 s, then the
 * coordinator installs the view. FD_SOCK2 keeps its defaults otherwise: it sees a crashed peer's socket close at
 * once, but a SIGSTOPped process keeps its sockets open, so FD_ALL3 is what finds it. MERGE3 (10-30 s)
 * stays default too.
 */
public final class JGroupsMember {

    private JGroupsMember() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int port = Integer.parseInt(args[1]);
        int seedPort = Integer.parseInt(args[2]);
        String cluster = args[3];
        boolean tuned = args[4].equals("tuned");
        ProtocolStackConfigurator stack = ConfiguratorFactory.getStackConfigurator("tcp.xml");
        set(stack, "TCP", Map.of("bind_addr", "127.0.0.1", "bind_port", Integer.toString(port), "port_range", "0",
                "diag.enabled", "false"));
        set(stack, "TCPPING", Map.of("initial_hosts", "127.0.0.1[" + seedPort + "]", "port_range", "0",
                "return_entire_cache", "true"));
        set(stack, "FD_SOCK2", Map.of("bind_addr", "127.0.0.1")); // it listens on the wildcard address otherwise
        if (tuned) {
            set(stack, "FD_ALL3", Map.of("interval", "2s", "timeout", "6s"));
        }
        JChannel channel = new JChannel(stack).name(name);
        channel.setReceiver(new Receiver() {
            @Override
            public void viewAccepted(View view) {
                MemberLines.view(names(view));
            }
        });
        channel.connect(cluster);
        MemberLines.joined(name, names(channel.getView()));
        MemberLines.exitOnCommand(channel::close);
        Runtime.getRuntime().addShutdownHook(new Thread(channel::close, "leave")); // SIGTERM: leave, as on "exit"
    }

    private static void set(ProtocolStackConfigurator stack, String protocol, Map<String, String> values) {
        ProtocolConfiguration p = stack.getProtocolStack().stream().filter(c -> c.getProtocolName().equals(protocol)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + protocol + " in tcp.xml: " + stack.getProtocolStack()));
        p.getProperties().putAll(values);
    }

    private static List<String> names(View view) {
        return view.getMembers().stream().map(Address::toString).collect(Collectors.toList());
    }
}
