package io.peermesh.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.peermesh.discovery.LookupStatus;
import io.peermesh.node.Direction;
import io.peermesh.node.events.AddrDrop;
import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.vertx.PeerNode;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.ProtocolError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a node's events as Micrometer meters ({@code p2p_*} in Prometheus). Every meter is
 * created up front, one per label value, so the hot path is an array lookup and an increment, and
 * so a label can only take the values of an enum: never a node id, an address or a peer's string.
 * {@link #close()} removes every meter it registered, so a node that stops leaves no gauge behind
 * reading its dead state.
 *
 * <p>Plain Micrometer, no CDI: the Quarkus adapter passes its registry, tests a simple one.
 */
public final class MicrometerNodeObserver implements NodeObserver, AutoCloseable {

    /** RTT histogram buckets: loopback is ~0.1 ms, a cluster ~1 ms, a struggling node seconds. */
    private static final Duration[] RTT_BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<HandshakeResult, Counter> handshakes = new EnumMap<>(HandshakeResult.class);
    private final Map<DialResult, Counter> dials = new EnumMap<>(DialResult.class);
    private final Map<ProtocolError, Counter> protocolErrors = new EnumMap<>(ProtocolError.class);
    private final Counter[] received = new Counter[MsgType.values().length];
    private final Counter[] sent = new Counter[MsgType.values().length];
    private final Map<LookupStatus, Counter> lookups = new EnumMap<>(LookupStatus.class);
    private final Map<AddrDrop, Counter> addrDropped = new EnumMap<>(AddrDrop.class);
    private final Map<Limit, Counter> limits = new EnumMap<>(Limit.class);
    private final Map<io.peermesh.node.events.LinkProblem, Counter> linkProblems = new EnumMap<>(io.peermesh.node.events.LinkProblem.class);
    private final Counter suspicionsConfirmed;
    private final Counter suspicionsRefuted;
    private final Map<io.peermesh.wire.MetadataDrop, Counter> metadataDropped = new EnumMap<>(io.peermesh.wire.MetadataDrop.class);
    private final Map<io.peermesh.node.events.BroadcastOutcome, Counter> broadcasts = new EnumMap<>(io.peermesh.node.events.BroadcastOutcome.class);
    private final Map<io.peermesh.broadcast.BroadcastDrop, Counter> broadcastDrops = new EnumMap<>(io.peermesh.broadcast.BroadcastDrop.class);
    private final Counter bytesReceived;
    private final Counter bytesSent;
    private final Counter peerTimeouts;
    private final Timer pingRtt;

    public MicrometerNodeObserver(MeterRegistry registry) {
        this.registry = registry;
        for (HandshakeResult r : HandshakeResult.values()) {
            handshakes.put(r, keep(Counter.builder("p2p.handshakes").tag("result", r.label())
                    .description("Handshakes by outcome").register(registry)));
        }
        for (DialResult r : DialResult.values()) {
            dials.put(r, keep(Counter.builder("p2p.dials").tag("result", r.label())
                    .description("Outbound TCP dials by outcome").register(registry)));
        }
        for (ProtocolError e : ProtocolError.values()) {
            protocolErrors.put(e, keep(Counter.builder("p2p.protocol.errors").tag("reason", e.label())
                    .description("Connections closed for breaking the protocol, by reason").register(registry)));
        }
        for (MsgType t : MsgType.values()) {
            received[t.ordinal()] = keep(Counter.builder("p2p.messages.received").tag("msgtype", t.label())
                    .description("Messages received by type").register(registry));
            sent[t.ordinal()] = keep(Counter.builder("p2p.messages.sent").tag("msgtype", t.label())
                    .description("Messages sent by type").register(registry));
        }
        for (LookupStatus r : LookupStatus.values()) {
            lookups.put(r, keep(Counter.builder("p2p.discovery.lookups").tag("result", r.label())
                    .description("DNS discovery lookups: ok, empty (no records) or failed (timeout, SERVFAIL, no server)")
                    .register(registry)));
        }
        for (AddrDrop r : AddrDrop.values()) {
            addrDropped.put(r, keep(Counter.builder("p2p.addr.entries.dropped").tag("reason", r.label())
                    .description("addr entries dropped: invalid, or beyond the per-peer rate limit").register(registry)));
        }
        for (Limit l : Limit.values()) {
            limits.put(l, keep(Counter.builder("p2p.limits").tag("limit", l.label())
                    .description("Connections refused or closed by a limit").register(registry)));
        }
        for (io.peermesh.node.events.LinkProblem p : io.peermesh.node.events.LinkProblem.values()) {
            linkProblems.put(p, keep(Counter.builder("p2p.link.problems").tag("problem", p.label())
                    .description("Dial targets that became gray links: no_hello (accepts TCP, never answers the"
                            + " hello), one_way (dials us, our dials to it fail)").register(registry)));
        }
        suspicionsConfirmed = keep(Counter.builder("p2p.member.suspicions").tag("outcome", "confirmed")
                .description("Suspected members, by how the suspicion ended: declared dead, or back alive").register(registry));
        suspicionsRefuted = keep(Counter.builder("p2p.member.suspicions").tag("outcome", "refuted")
                .description("Suspected members, by how the suspicion ended: declared dead, or back alive").register(registry));
        for (io.peermesh.wire.MetadataDrop r : io.peermesh.wire.MetadataDrop.values()) {
            metadataDropped.put(r, keep(Counter.builder("p2p.metadata.dropped").tag("reason", r.label())
                    .description("Metadata received from peers and dropped, not stored").register(registry)));
        }
        for (io.peermesh.node.events.BroadcastOutcome o : io.peermesh.node.events.BroadcastOutcome.values()) {
            broadcasts.put(o, keep(Counter.builder("p2p.broadcasts").tag("outcome", o.label())
                    .description("Broadcasts published by this node's API, and delivered here (own ones included)")
                    .register(registry)));
        }
        for (io.peermesh.broadcast.BroadcastDrop d : io.peermesh.broadcast.BroadcastDrop.values()) {
            broadcastDrops.put(d, keep(Counter.builder("p2p.broadcasts.dropped").tag("reason", d.label())
                    .description("Broadcasts from peers not delivered nor relayed, by reason").register(registry)));
        }
        bytesReceived = keep(Counter.builder("p2p.bytes.received").description("Bytes of decoded lines received")
                .register(registry));
        bytesSent = keep(Counter.builder("p2p.bytes.sent").description("Bytes of lines written").register(registry));
        peerTimeouts = keep(Counter.builder("p2p.peer.timeouts")
                .description("Peers dropped for not answering a ping within p2p.ping-timeout").register(registry));
        pingRtt = keep(Timer.builder("p2p.ping.rtt").description("Ping round-trip time")
                .serviceLevelObjectives(RTT_BUCKETS).register(registry));
    }

    /** Adds the gauges that read the node's live state (peer counts, readiness). */
    public MicrometerNodeObserver bindGauges(PeerNode node) {
        for (Direction d : Direction.values()) {
            keep(Gauge.builder("p2p.peers", node, n -> n.peerCount(d)).tag("direction", d.label())
                    .description("Handshaked peers by who dialled").register(registry));
        }
        keep(Gauge.builder("p2p.discovery.addresses", node, PeerNode::discoveryAddresses)
                .description("Addresses in the last DNS discovery answer").register(registry));
        keep(Gauge.builder("p2p.known.addresses", node, PeerNode::knownAddresses)
                .description("Addresses known for dialling, connected or not").register(registry));
        for (io.peermesh.node.events.LinkProblem p : io.peermesh.node.events.LinkProblem.values()) {
            keep(Gauge.builder("p2p.link.problems.current", node, n -> n.linkProblems(p)).tag("problem", p.label())
                    .description("Dial targets that are gray links now").register(registry));
        }
        for (io.peermesh.members.MemberState st : io.peermesh.members.MemberState.values()) {
            keep(Gauge.builder("p2p.members", node, n -> n.memberCount(st)).tag("state", st.label())
                    .description("Known members by state, this node included").register(registry));
        }
        keep(Gauge.builder("p2p.ready", node, n -> n.readiness().ready() ? 1 : 0)
                .description("1 when the node has at least p2p.min-peers peers").register(registry));
        return this;
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void dialed(DialResult result) {
        dials.get(result).increment();
    }

    @Override
    public void handshake(HandshakeResult result) {
        handshakes.get(result).increment();
    }

    @Override
    public void received(MsgType type, int bytes) {
        received[type.ordinal()].increment();
        bytesReceived.increment(bytes);
    }

    @Override
    public void sent(MsgType type, int bytes) {
        sent[type.ordinal()].increment();
        bytesSent.increment(bytes);
    }

    @Override
    public void pingRoundTrip(long nanos) {
        pingRtt.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void peerTimedOut() {
        peerTimeouts.increment();
    }

    @Override
    public void protocolError(ProtocolError reason) {
        protocolErrors.get(reason).increment();
    }

    @Override
    public void discoveryLookup(LookupStatus result) {
        lookups.get(result).increment();
    }

    @Override
    public void limitHit(Limit limit) {
        limits.get(limit).increment();
    }

    @Override
    public void linkProblem(io.peermesh.node.events.LinkProblem problem) {
        linkProblems.get(problem).increment();
    }

    @Override
    public void suspicionEnded(boolean confirmed) {
        (confirmed ? suspicionsConfirmed : suspicionsRefuted).increment();
    }

    @Override
    public void broadcast(io.peermesh.node.events.BroadcastOutcome outcome) {
        broadcasts.get(outcome).increment();
    }

    @Override
    public void broadcastDropped(io.peermesh.broadcast.BroadcastDrop reason) {
        broadcastDrops.get(reason).increment();
    }

    @Override
    public void metadataDropped(io.peermesh.wire.MetadataDrop reason) {
        metadataDropped.get(reason).increment();
    }

    @Override
    public void addrEntriesDropped(AddrDrop reason, int count) {
        addrDropped.get(reason).increment(count);
    }

    /** Number of meters this binding registered and still owns. */
    public int meterCount() {
        return meters.size();
    }

    @Override
    public void close() {
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }
}
