package io.peermesh.node;

import io.peermesh.broadcast.Broadcasts;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.discovery.AddressResolver;
import io.peermesh.discovery.DnsDiscovery;
import io.peermesh.discovery.LookupResult;
import io.peermesh.discovery.LookupStatus;
import io.peermesh.members.Member;
import io.peermesh.members.MemberEvents;
import io.peermesh.members.Membership;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.config.PeerTls;
import io.peermesh.node.dial.Backoff;
import io.peermesh.node.dial.DialTarget;
import io.peermesh.node.dial.Dialer;
import io.peermesh.node.events.LinkProblem;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.NodeView;
import io.peermesh.node.view.PeerView;
import io.peermesh.node.view.Readiness;
import io.peermesh.node.view.RttSample;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.Transport;
import io.peermesh.topology.LinkSummaries;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The protocol core of a peermesh node, as a facade: lifecycle and wiring. The jobs are in
 * classes of their own: {@link Connections} (socket to close, the connections' owner),
 * {@link Handshakes} (every hello's verdict and its consequences), {@link MessageDispatch} (the
 * one dispatch after the handshake), {@link PeerLinks} (a peer joining or leaving the table),
 * {@link Liveness} (pings and expiry), {@link ReadinessTracker}, {@link MeshApplications}
 * (members, metadata, broadcast), {@link Dialer}, {@link PeerExchange} and {@link DnsDiscovery}.
 * It has no socket, clock, timer or random source of its own: it talks to the world through a
 * {@link Loop} (time, timers, randomness, its one thread) and a {@link Transport} (a listening
 * server and dials, as links), so the same code runs on Vert.x ({@code PeerNode} (io.peermesh.vertx)) and in the
 * simulator, many nodes per JVM.
 *
 * <p>Threading: every method runs on the node's loop, except those that say they hop onto it;
 * {@link #readiness}, {@link #view} and the counts are published snapshots, readable from any thread.
 */
public final class MeshNode {

    private static final Logger LOG = Logger.getLogger(MeshNode.class.getName()); // one logger name for the node

    private final NodeParts n;
    private final Transport transport;
    private final AddressResolver resolver;
    private final PeerTls.Info tlsInfo; // null: plain TCP
    private final long startedAtMillis;
    private final Liveness liveness;
    private final ReadinessTracker readiness;
    private final Connections connections;
    private final MeshApplications app;

    /**
     * @param resolver resolves {@code p2p.discovery.dns}; required when it is set
     * @param tlsInfo  what {@code /node} shows of the certificate; null for plain TCP
     */
    public MeshNode(NodeConfig config, String nodeId, Loop loop, Transport transport, NodeObserver observer,
            AddressResolver resolver, PeerTls.Info tlsInfo) {
        if (config.discovery().dns() != null && resolver == null) {
            throw new IllegalArgumentException("p2p.discovery.dns is set but no resolver was given");
        }
        this.n = new NodeParts(config, nodeId, loop, observer);
        this.transport = transport;
        this.resolver = resolver;
        this.tlsInfo = tlsInfo;
        this.startedAtMillis = loop.currentTimeMillis();
        this.app = new MeshApplications(n);
        n.broadcasts = app.newBroadcasts();
        n.linkSummaries = new LinkSummaries(nodeId, config, loop, this::peerViews, this::targetsNow, app::sendToAllV2);
        this.liveness = new Liveness(n);
        this.readiness = new ReadinessTracker(n);
        PeerLinks links = new PeerLinks(n, liveness, readiness);
        this.connections = new Connections(n, new Handshakes(n, links), new MessageDispatch(n, links), links, liveness,
                readiness);
    }

    /**
     * Listens and starts discovery, dialling and pings; {@code done} gets null once it listens, or
     * why it could not (the message says what to change).
     */
    public void start(Consumer<Throwable> done) {
        NodeConfig config = n.config;
        n.limitLog = new LimitLog(n.loop);
        n.connectionLog = new QuietLog(Logger.getLogger(PeerConnection.class.getName()), n.loop);
        n.gate = new Gatekeeper(config.limits(), n.loop, n.observer, n.limitLog, connections::pendingHandshakes);
        transport.listen(config.host(), config.port(), link -> connections.accept(link, Direction.INBOUND, null), result -> {
            if (result.failure() != null) {
                done.accept(result.failure());
                return;
            }
            n.boundPort = result.port();
            n.advertise = config.advertise() != null ? config.advertise()
                    : AdvertiseAddress.derive(config.host(), result.port());
            n.membership.advertised(n.advertise.toString());
            n.dialer = new Dialer(n.loop, transport,
                    new Backoff(config.dialBackoffMin(), config.dialBackoffMax(), () -> n.loop.random().nextDouble()),
                    n.observer, connections, config.maxPeers(), config.maxKnownAddresses(), config.pingTimeout(),
                    config.dialBackoffMax()); // a one-way link is re-checked as often as a failing address at most
            n.exchange = new PeerExchange(n.loop, config, n.observer, n.table, n.dialer, n.nodeId, n.advertise);
            DiscoveryConfig d = config.discovery();
            n.dns = d.dns() == null ? null : new DnsDiscovery(n.loop, resolver, d.dns(), n.advertise.port(),
                    d.dnsInterval(), () -> n.table.size() == 0, this::onDnsLookup);
            n.listening = true;
            n.started = true;
            LOG.info(() -> "node " + n.nodeId + " listening on " + config.host() + ":" + result.port()
                    + ", advertising " + n.advertise + ", network " + config.network() + (tlsInfo == null ? "" : ", mutual TLS"));
            config.bootstrap().forEach(a -> n.dialer.offer(a, DialTarget.Source.BOOTSTRAP, null));
            n.exchange.start();
            n.linkSummaries.start();
            if (n.dns != null) {
                n.dns.start();
            }
            liveness.start();
            readiness.refresh();
            done.accept(null);
        });
    }

    /** A DNS answer: dial what is listed (but us), forget what is no longer listed; a failure changes nothing. */
    private void onDnsLookup(LookupResult result) {
        n.observer.discoveryLookup(result.status());
        if (n.stopping) {
            return;
        }
        if (result.status() != LookupStatus.FAILED) {
            for (HostPort a : result.addresses()) {
                if (!a.equals(n.advertise)) {
                    n.dialer.offer(a, DialTarget.Source.DNS, null);
                }
            }
            n.dialer.withdrawDnsExcept(result.addresses());
        }
        n.dnsOutcome.record(result, n.advertise, n.table.size(), n.config.discovery().dns());
        readiness.refresh();
    }

    /** Byes to peers, then closes every connection, timer and the transport; {@code done} runs after. */
    public void stop(Runnable done) {
        n.stopping = true;
        n.listening = false;
        readiness.refresh();
        liveness.stop();
        readiness.stop();
        if (n.dialer != null) {
            n.dialer.stop();
        }
        if (n.exchange != null) {
            n.exchange.stop();
        }
        if (n.dns != null) {
            n.dns.stop();
        }
        n.membership.stop();
        n.broadcasts.stop();
        n.linkSummaries.stop();
        // Byes first: closing the server also closes its accepted connections. New connections
        // arriving meanwhile are closed on accept (stopping), and peers do not re-dial a node that
        // said bye within the departure grace (see Dialer).
        Future.join(connections.closeAll()).onComplete(ar -> transport.close(() -> {
            LOG.info(() -> "node " + n.nodeId + " stopped");
            done.run();
        }));
    }

    /** Offers an address to dial now, as a bootstrap entry would be (tests, tools); from any thread. */
    public void connectTo(HostPort address) {
        n.loop.execute(() -> {
            if (n.dialer != null) {
                n.dialer.offer(address, DialTarget.Source.BOOTSTRAP, null);
            }
        });
    }

    // ---------------------------------------------------------------- pings (from any thread)

    /** Pings every peer and drops those overdue. */
    public void pingRound() { n.onLoop(liveness::round); }
    /** Pings every peer at this node's phase of the interval (see {@link Liveness#roundAtPhase}). */
    public void pingRoundAtPhase() { n.onLoop(liveness::roundAtPhase); }
    /**
     * Before {@link #start}: round trips are no samples until {@link #releaseRttSamples} (the
     * application's RTT warm-up runs beside the start; until it is done a round trip measures this
     * JVM, issue #16). Pings still keep peers alive and reach the histogram.
     */
    public void holdRttSamples() { liveness.holdRttSamples(); }
    /**
     * Round trips are samples from the next round on (not at once: a ping sent right as the
     * warm-up ends met the JIT compiling what it had run, 3 ms on loopback).
     */
    public void releaseRttSamples() { n.onLoop(liveness::releaseRttSamples); }

    // ---------------------------------------------------------------- applications (from any thread)

    public MeshApplications app() { return app; }
    public Future<List<Member>> members() { return app.members(); }
    public void subscribeMembers(String lastEventId, MemberEvents.Listener l, Consumer<MemberEvents.Catchup> catchup) {
        app.subscribeMembers(lastEventId, l, catchup);
    }
    public void unsubscribeMembers(MemberEvents.Listener l) { app.unsubscribeMembers(l); }
    public Future<Void> setMetadata(Metadata metadata) { return app.setMetadata(metadata); }
    public Future<PublishResult> publish(String topic, String payloadJson) { return app.publish(topic, payloadJson); }
    public void subscribeMessages(Broadcasts.Listener l) { app.subscribeMessages(l); }
    public void unsubscribeMessages(Broadcasts.Listener l) { app.unsubscribeMessages(l); }
    /** On the loop: the member list and its events (the simulator's thread). */
    public Membership membership() { return n.membership; }
    /** On the loop: broadcast state (the simulator's thread). */
    public Broadcasts broadcasts() { return n.broadcasts; }
    /** This node's and its peers' link summaries (issue #14); its snapshot is safe from any thread. */
    public LinkSummaries linkSummaries() { return n.linkSummaries; }

    // ---------------------------------------------------------------- views

    /** Registered peers; from any thread. */
    public Future<List<PeerView>> peers() { return n.onLoop(this::peerViews); }

    /** The last round trips to a peer, oldest first; null when no peer has that id. From any thread. */
    public Future<List<RttSample>> rttHistory(String peerId) {
        return n.onLoop(() -> {
            PeerConnection c = n.table.get(peerId);
            return c == null ? null : c.pings().tracker().history();
        });
    }

    /** Dial targets; from any thread. */
    public Future<List<TargetStatus>> targets() { return n.onLoop(this::targetsNow); }

    public NodeView view() {
        Readiness r = readiness.readiness();
        return new NodeView(n.nodeId, n.advertise == null ? null : n.advertise.toString(), n.config.host() + ":" + port(),
                n.config.network(), NodeConfig.PROTOCOL_VERSION, n.table.size(), n.config.minPeers(), r.ready(),
                Instant.ofEpochMilli(startedAtMillis).toString(), n.config.tls() != null, tlsInfo);
    }

    public Readiness readiness() { return readiness.readiness(); }
    public String nodeId() { return n.nodeId; }
    public NodeConfig nodeConfig() { return n.config; }
    public boolean isListening() { return n.listening; }
    public int peerCount() { return n.table.size(); }
    public int peerCount(Direction d) { return n.table.count(d); }
    public HostPort advertised() { return n.advertise; }
    public int port() { return n.boundPort < 0 ? n.config.port() : n.boundPort; }
    /** Registered peers now; on the loop (the simulator's thread). */
    public List<PeerView> peerViews() {
        long now = n.loop.nanoTime();
        return n.table.connections().stream().map(c -> PeerViews.of(c, now)).toList();
    }
    /** Dial targets now; on the loop. */
    public List<TargetStatus> targetsNow() { return n.dialer == null ? List.of() : n.dialer.status(); }
    /** Connections open (handshaking, parked or established): 0 after close. On the loop. */
    public int openConnections() { return n.open.size(); }
    /** Timers of dialling, exchange, DNS, readiness, members, broadcast and link summaries: 0 after close. On the loop. */
    public int pendingDialTimers() {
        return (n.dialer == null ? 0 : n.dialer.pendingTimers()) + (n.exchange != null && n.exchange.timerPending() ? 1 : 0)
                + (n.dns != null && n.dns.timerPending() ? 1 : 0) + (readiness.timerPending() ? 1 : 0)
                + n.membership.pendingTimers() + n.broadcasts.pendingTimers() + (n.linkSummaries.running() ? 1 : 0);
    }
    /** Dial targets that are gray links of this kind now; safe from any thread. */
    public int linkProblems(LinkProblem kind) { return n.dialer == null ? 0 : n.dialer.linkProblemCount(kind); }
    /** Addresses known for dialling (connected or not). */
    public int knownAddresses() { return n.dialer == null ? 0 : n.dialer.size(); }
    /** Addresses in the last successful DNS answer. */
    public int discoveryAddresses() { return n.dnsOutcome.addresses(); }
    /** For tests: inbound connections from {@code ip} in their handshake now. */
    public int handshakingFrom(String ip) { return n.gate.handshakingFrom(ip); }
    public boolean pingTimerActive() { return liveness.pingTimerActive(); }
    public boolean expiryTimerActive() { return liveness.expiryTimerActive(); }
    public long readinessRefreshes() { return readiness.refreshes(); }
    public long targetsWalkedForReadiness() { return readiness.targetsWalked(); }
}
