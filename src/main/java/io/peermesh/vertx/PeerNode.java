package io.peermesh.vertx;

import io.peermesh.broadcast.Broadcasts;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.discovery.AddressResolver;
import io.peermesh.discovery.DnsResolver;
import io.peermesh.discovery.ResolvConf;
import io.peermesh.members.Member;
import io.peermesh.members.MemberEvents;
import io.peermesh.members.MemberState;
import io.peermesh.node.Direction;
import io.peermesh.node.MeshNode;
import io.peermesh.node.NodeClock;
import io.peermesh.node.config.DiscoveryConfig;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.events.LinkProblem;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.node.view.NodeView;
import io.peermesh.node.view.PeerView;
import io.peermesh.node.view.Readiness;
import io.peermesh.node.view.RttSample;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Metadata;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.BindException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A peermesh node on Vert.x: the Vert.x binding of {@link MeshNode}. Deployed as a verticle
 * ({@link #deploy}), it gives the core a {@link VertxLoop} on its context, a {@link VertxTransport}
 * (TCP, optionally mutual TLS) and a {@link DnsResolver}; undeploying it says bye to every peer and
 * closes the server, the client, every connection and every timer.
 *
 * <p>A verticle, not a plain object, because a {@code NetServer} created outside one survives a
 * dev-mode live reload and shares the port with the new one (see the toolchain notes).
 *
 * <p>Threading: the core runs on this verticle's context. Methods called from elsewhere hop onto
 * it; {@link #readiness}, {@link #view} and the peer counts are snapshots readable from any thread.
 */
public final class PeerNode extends AbstractVerticle {

    private final NodeConfig config;
    private final NodeClock clock;
    private final NodeObserver observer;
    private final AddressResolver injectedResolver;
    private final String nodeId = UUID.randomUUID().toString();
    private volatile MeshNode core;
    private volatile boolean rttSamplesHeld;

    public PeerNode(NodeConfig config, NodeClock clock, NodeObserver observer) {
        this(config, clock, observer, null);
    }

    /**
     * @param resolver resolves {@code p2p.discovery.dns}; null to use a {@link DnsResolver} built
     *                 from the config (resolv.conf or the configured name servers)
     */
    public PeerNode(NodeConfig config, NodeClock clock, NodeObserver observer, AddressResolver resolver) {
        this.config = config;
        this.clock = clock;
        this.observer = observer;
        this.injectedResolver = resolver;
    }

    /** Deploys a node on {@code vertx}; the future completes once it listens. */
    public static Future<PeerNode> deploy(Vertx vertx, NodeConfig config, NodeClock clock, NodeObserver observer) {
        return deploy(vertx, config, clock, observer, null);
    }

    public static Future<PeerNode> deploy(Vertx vertx, NodeConfig config, NodeClock clock, NodeObserver observer,
            AddressResolver resolver) {
        PeerNode node = new PeerNode(config, clock, observer, resolver);
        return vertx.deployVerticle(node).map(id -> node);
    }

    @Override
    public void start(Promise<Void> started) {
        if (config.tls() != null) {
            // Loading the keys and the TLS classes can block for a while: on a worker, then start.
            vertx.executeBlocking(() -> new TlsGate(config.tls(), vertx), false)
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            started.fail(ar.cause());
                        } else {
                            startWith(ar.result(), started);
                        }
                    });
        } else {
            startWith(null, started);
        }
    }

    private void startWith(TlsGate tls, Promise<Void> started) {
        AddressResolver resolver;
        try {
            resolver = resolver();
        } catch (RuntimeException | java.io.IOException e) {
            started.fail(new IllegalStateException("cannot start DNS discovery of p2p.discovery.dns "
                    + config.discovery().dns() + ": " + e.getMessage(), e));
            return;
        }
        VertxLoop loop = new VertxLoop(vertx, context, clock, new SplittableRandom());
        VertxTransport transport = new VertxTransport(vertx, tls, clock, config.connectTimeout(), config.handshakeTimeout());
        MeshNode node = new MeshNode(config, nodeId, loop, transport, observer, resolver, tls == null ? null : tls.info());
        if (rttSamplesHeld) {
            node.holdRttSamples();
        }
        node.start(failure -> {
            if (failure != null) {
                transport.close(() -> started.fail(bindFailure(failure)));
            } else {
                core = node;
                started.complete();
            }
        });
    }

    private AddressResolver resolver() throws java.io.IOException {
        DiscoveryConfig d = config.discovery();
        if (d.dns() == null || injectedResolver != null) {
            return injectedResolver;
        }
        ResolvConf conf = ResolvConf.read(java.nio.file.Path.of(d.resolvConf()));
        return new DnsResolver(vertx, conf, d.dnsServers(), d.dnsTimeout());
    }

    private Throwable bindFailure(Throwable cause) {
        if (cause instanceof BindException || String.valueOf(cause.getMessage()).contains("in use")) {
            return new IllegalStateException("p2p.port " + config.port() + " is already in use on " + config.host()
                    + ": stop the process holding it or set p2p.port (env P2P_PORT) to a free port", cause);
        }
        return new IllegalStateException("cannot listen on p2p.host " + config.host() + ", p2p.port " + config.port()
                + ": " + cause.getMessage(), cause);
    }

    @Override
    public void stop(Promise<Void> stopped) {
        MeshNode node = core;
        if (node == null) {
            stopped.complete();
        } else {
            node.stop(stopped::complete);
        }
    }

    /** Undeploys the node: bye to peers, then everything it opened is closed. */
    public Future<Void> close() {
        String id = deploymentID();
        return id == null || !vertx.deploymentIDs().contains(id) ? Future.succeededFuture() : vertx.undeploy(id);
    }

    /** Offers an address to dial now, as a bootstrap entry would be (tests, tools). */
    public void connectTo(HostPort address) {
        MeshNode node = core;
        if (node != null) {
            node.connectTo(address);
        }
    }

    /**
     * Before deploy: round trips are no samples (for /peers and its history; the histogram takes
     * them) until {@link #releaseRttSamples}, so the start of this JVM does not pass for the link's RTT.
     */
    public void holdRttSamples() {
        rttSamplesHeld = true;
    }

    /** Round trips are samples from now on (see {@link #holdRttSamples}); any thread. */
    public void releaseRttSamples() {
        rttSamplesHeld = false;
        whenStarted(MeshNode::releaseRttSamples);
    }

    /** Pings every peer and drops those overdue; safe to call from any thread. */
    public void pingRound() {
        whenStarted(MeshNode::pingRound);
    }

    /** Pings every peer at this node's phase of the interval (see {@link MeshNode#pingRoundAtPhase}). */
    public void pingRoundAtPhase() {
        whenStarted(MeshNode::pingRoundAtPhase);
    }

    public Future<List<PeerView>> peers() {
        MeshNode node = core;
        return node == null ? Future.failedFuture("node not started") : node.peers();
    }

    /** The last round trips to a peer, oldest first; null when no peer has that id. */
    public Future<List<RttSample>> rttHistory(String peerId) {
        return ifStarted(n -> n.rttHistory(peerId), Future.failedFuture("node not started"));
    }

    public Future<List<TargetStatus>> targets() {
        MeshNode node = core;
        return node == null ? Future.failedFuture("node not started") : node.targets();
    }

    /** The member list, this node first. */
    public Future<List<Member>> members() {
        return ifStarted(MeshNode::members, Future.failedFuture("node not started"));
    }

    /** See {@link MeshNode#subscribeMembers}; false before start. */
    public boolean subscribeMembers(String lastEventId, MemberEvents.Listener listener, Consumer<MemberEvents.Catchup> catchup) {
        return whenStarted(n -> n.subscribeMembers(lastEventId, listener, catchup));
    }

    public void unsubscribeMembers(MemberEvents.Listener listener) {
        whenStarted(n -> n.unsubscribeMembers(listener));
    }

    /** See {@link MeshNode#setMetadata}. */
    public Future<Void> setMetadata(Metadata metadata) {
        return ifStarted(n -> n.setMetadata(metadata), Future.failedFuture("node not started"));
    }

    /** See {@link MeshNode#publish}. */
    public Future<PublishResult> publish(String topic, String payloadJson) {
        return ifStarted(n -> n.publish(topic, payloadJson), Future.succeededFuture(
                new PublishResult.Refused(PublishResult.Reason.NOT_RUNNING, "the node is not started")));
    }

    /** See {@link MeshNode#subscribeMessages}; false before start. */
    public boolean subscribeMessages(Broadcasts.Listener listener) {
        return whenStarted(n -> n.subscribeMessages(listener));
    }

    public void unsubscribeMessages(Broadcasts.Listener listener) {
        whenStarted(n -> n.unsubscribeMessages(listener));
    }

    /** Members in this state, this node included; safe from any thread. */
    public int memberCount(MemberState state) {
        return ifStarted(n -> n.membership().counts().getOrDefault(state, 0), 0);
    }

    /** {@code call} on the core once deployed, else {@code otherwise}. */
    private <T> T ifStarted(Function<MeshNode, T> call, T otherwise) {
        MeshNode n = core;
        return n == null ? otherwise : call.apply(n);
    }

    /** {@code action} on the core once deployed; false (and nothing done) before. */
    private boolean whenStarted(Consumer<MeshNode> action) {
        MeshNode n = core;
        if (n != null) {
            action.accept(n);
        }
        return n != null;
    }

    public NodeView view() {
        MeshNode node = core;
        return node != null ? node.view() : new NodeView(nodeId, null, config.host() + ":" + config.port(),
                config.network(), NodeConfig.PROTOCOL_VERSION, 0, config.minPeers(), false, null, config.tls() != null, null);
    }

    public Readiness readiness() {
        MeshNode node = core;
        return node == null ? Readiness.STARTING : node.readiness();
    }

    public String nodeId() { return nodeId; }
    /** This node's link summary and its peers' (issue #14); published state, readable from any thread. */
    public io.peermesh.topology.LinkSummaries.Snapshot linkSummaries() {
        MeshNode n = core;
        return n == null ? null : n.linkSummaries().snapshot();
    }
    public NodeConfig nodeConfig() { return config; }
    public boolean isListening() { MeshNode n = core; return n != null && n.isListening(); }
    public int peerCount(Direction d) { MeshNode n = core; return n == null ? 0 : n.peerCount(d); }
    public int peerCount() { MeshNode n = core; return n == null ? 0 : n.peerCount(); }
    public HostPort advertised() { MeshNode n = core; return n == null ? null : n.advertised(); }
    public int port() { MeshNode n = core; return n == null ? config.port() : n.port(); }
    /** Dial targets that are gray links of this kind now; safe from any thread. */
    public int linkProblems(LinkProblem kind) { MeshNode n = core; return n == null ? 0 : n.linkProblems(kind); }
    /** Addresses known for dialling (connected or not). */
    public int knownAddresses() { MeshNode n = core; return n == null ? 0 : n.knownAddresses(); }
    /** Addresses in the last successful DNS answer. */
    public int discoveryAddresses() { MeshNode n = core; return n == null ? 0 : n.discoveryAddresses(); }

    // ------------------------------------------------ for tests: read on the loop, where the state lives

    /** Connections open (handshaking or established): 0 after close. */
    public int openConnections() { return onLoop(n -> n.openConnections(), 0); }
    /** Re-dial, exchange, DNS and readiness timers pending: 0 after close. */
    public int pendingDialTimers() { return onLoop(n -> n.pendingDialTimers(), 0); }
    public int handshakingFrom(String ip) { return onLoop(n -> n.handshakingFrom(ip), 0); }
    public boolean pingTimerActive() { return onLoop(n -> n.pingTimerActive(), false); }
    public boolean expiryTimerActive() { return onLoop(n -> n.expiryTimerActive(), false); }
    public long readinessRefreshes() { MeshNode n = core; return n == null ? 0 : n.readinessRefreshes(); }
    public long targetsWalkedForReadiness() { MeshNode n = core; return n == null ? 0 : n.targetsWalkedForReadiness(); }

    /**
     * Reads {@code what} of the core on its loop and waits for it. After the node stopped (its
     * context gone) there is nothing to hop onto: the core is read directly, since nothing mutates
     * it any more.
     */
    private <T> T onLoop(java.util.function.Function<MeshNode, T> what, T beforeStart) {
        MeshNode node = core;
        if (node == null) {
            return beforeStart;
        }
        if (context == null || !vertx.deploymentIDs().contains(deploymentID()) || Vertx.currentContext() == context) {
            return what.apply(node);
        }
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> p.complete(what.apply(node)));
        try {
            return p.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("reading the node on its loop: " + e, e);
        }
    }

    /** The Vert.x context the node runs on (its loop). */
    public io.vertx.core.Context loopContext() {
        return context;
    }

    /** The core, for tests of this package. */
    public MeshNode core() {
        return core;
    }
}
