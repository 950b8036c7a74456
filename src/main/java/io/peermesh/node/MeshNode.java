package io.peermesh.node;

import io.peermesh.broadcast.BroadcastDrop;
import io.peermesh.broadcast.Broadcasts;
import io.peermesh.broadcast.PublishResult;
import io.peermesh.discovery.AddressResolver;
import io.peermesh.discovery.DnsDiscovery;
import io.peermesh.discovery.LookupResult;
import io.peermesh.members.Member;
import io.peermesh.members.MemberEvents;
import io.peermesh.members.Membership;
import io.peermesh.topology.LinkSummaries;
import io.peermesh.runtime.Link;
import io.peermesh.runtime.Loop;
import io.peermesh.runtime.TokenBucket;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;
import io.peermesh.wire.Message;
import io.peermesh.wire.MessageCodec;
import io.peermesh.wire.Metadata;
import io.peermesh.wire.MetadataDrop;
import io.peermesh.wire.ProtocolError;
import io.peermesh.wire.ProtocolViolation;
import io.peermesh.wire.RejectReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The protocol core of a peermesh node: admission, handshakes, dialling, gossip, liveness and
 * readiness, with no socket, clock, timer or random source of its own. It talks to the world
 * through a {@link Loop} (time, timers, randomness, its one thread) and a {@link Transport} (a
 * listening server and dials, as {@link Link}s), so the same code runs on Vert.x ({@link PeerNode})
 * and in the simulator, many nodes per JVM.
 *
 * <p>Threading: every method runs on the node's loop, except those that say they hop onto it
 * ({@link #pingRound}, {@link #peers}, {@link #targets}, {@link #connectTo}); {@link #readiness},
 * {@link #view} and the counts are published snapshots, readable from any thread.
 */
public final class MeshNode implements ConnectionOwner, Dialer.Host {

    private static final Logger LOG = Logger.getLogger(PeerNode.class.getName()); // one logger name for the node

    private final NodeConfig config;
    private final Loop loop;
    private final Transport transport;
    private final NodeObserver observer;
    private final String nodeId;
    private final PeerTable table = new PeerTable();
    private final Set<PeerConnection> open = new java.util.LinkedHashSet<>(); // ordered: the simulator replays a seed exactly
    private final CrossingDials crossing;
    private final Eviction eviction;
    /** Addresses a newcomer claimed that a connected node listens at: the next dial there only verifies. */
    private final java.util.LinkedHashSet<HostPort> verifying = new java.util.LinkedHashSet<>();
    private LimitLog limitLog;
    private Gatekeeper gate;
    private QuietLog connectionLog; // protocol errors and handshake timeouts, per reason
    private final PeerTls.Info tlsInfo; // null: plain TCP
    private final long startedAtMillis;
    private final AddressResolver resolver;

    private volatile int boundPort = -1;
    private volatile boolean started;
    private Dialer dialer;
    private PeerExchange exchange;
    private DnsDiscovery dns;
    private final DnsOutcome dnsOutcome = new DnsOutcome();
    private long pingTimer = -1;
    private boolean rttSamplesHeld; // holdRttSamples: this node's start is under way
    private long phasedRoundTimer = -1; // a round waiting for this node's phase (pingRoundAtPhase)
    private long pingPhaseMillis = -1;
    /** Fires when the earliest unanswered ping times out (see {@link #armExpiry}). */
    private long expiryTimer = -1;
    private long expiryAtNanos;
    private volatile HostPort advertise;
    private volatile boolean stopping;
    private volatile boolean listening;
    private volatile Readiness readiness = Readiness.STARTING;
    static final long TARGET_REFRESH_SPACING_MILLIS = 100;
    static final long MEMBER_RETENTION_MILLIS = 60_000;
    /** Gray links named in readiness (the rest are in /node/targets and p2p_link_problems). */
    static final int MAX_LINK_PROBLEMS_SHOWN = 10;
    private long readinessRefreshTimer = -1;
    private long lastTargetRefreshNanos = Long.MIN_VALUE / 2;
    private volatile long readinessRefreshes; // for tests: how often readiness was recomputed ...
    private volatile long targetsWalkedForReadiness; // ... and how many dial targets that visited
    private final Membership membership;
    private final MemberLinks memberLinks;
    private final Broadcasts broadcasts;
    private final LinkSummaries linkSummaries;

    /**
     * @param resolver resolves {@code p2p.discovery.dns}; required when it is set
     * @param tlsInfo  what {@code /node} shows of the certificate; null for plain TCP
     */
    public MeshNode(NodeConfig config, String nodeId, Loop loop, Transport transport, NodeObserver observer,
            AddressResolver resolver, PeerTls.Info tlsInfo) {
        this.config = config;
        this.nodeId = nodeId;
        this.loop = loop;
        this.transport = transport;
        this.observer = observer;
        this.resolver = resolver;
        this.tlsInfo = tlsInfo;
        this.startedAtMillis = loop.currentTimeMillis();
        this.crossing = new CrossingDials(nodeId, config.handshakeTimeout(), loop);
        this.eviction = new Eviction(config.pingTimeout()); // at most one per ping timeout
        // Suspicion lasts one ping timeout: a dropped link is re-dialled within dial-backoff-min,
        // and a peer silent that long again would be dropped again. Records of the gone stay 60 s.
        this.memberLinks = new MemberLinks(table, loop);
        this.membership = new Membership(nodeId, config.advertise() == null ? null : config.advertise().toString(),
                config.metadata(), loop, memberLinks, observer::suspicionEnded,
                config.pingTimeout().toMillis(), MEMBER_RETENTION_MILLIS);
        this.broadcasts = new Broadcasts(nodeId, config.broadcast(), loop, this::sendToAllV2, new Broadcasts.Observer() {
            @Override public void published() { observer.broadcast(BroadcastOutcome.PUBLISHED); }
            @Override public void delivered() { observer.broadcast(BroadcastOutcome.DELIVERED); }
            @Override public void dropped(BroadcastDrop reason) { observer.broadcastDropped(reason); }
        });
        this.linkSummaries = new LinkSummaries(nodeId, config, loop, this::peerViews, this::targetsNow, this::sendToAllV2);
        if (config.discovery().dns() != null && resolver == null) {
            throw new IllegalArgumentException("p2p.discovery.dns is set but no resolver was given");
        }
    }

    /** Offers an address to dial now, as a bootstrap entry would be (tests, tools). */
    public void connectTo(HostPort address) {
        loop.execute(() -> {
            if (dialer != null) {
                dialer.offer(address, DialTarget.Source.BOOTSTRAP, null);
            }
        });
    }

    /**
     * Listens and starts discovery, dialling and pings; {@code done} gets null once it listens, or
     * why it could not (the message says what to change).
     */
    public void start(Consumer<Throwable> done) {
        limitLog = new LimitLog(loop);
        connectionLog = new QuietLog(Logger.getLogger(PeerConnection.class.getName()), loop);
        gate = new Gatekeeper(config.limits(), loop, observer, limitLog, this::pendingHandshakes);
        transport.listen(config.host(), config.port(), link -> accept(link, Direction.INBOUND, null), result -> {
            if (result.failure() != null) {
                done.accept(result.failure());
                return;
            }
            boundPort = result.port();
            advertise = config.advertise() != null ? config.advertise()
                    : AdvertiseAddress.derive(config.host(), result.port());
            membership.advertised(advertise.toString());
            dialer = new Dialer(loop, transport,
                    new Backoff(config.dialBackoffMin(), config.dialBackoffMax(), () -> loop.random().nextDouble()),
                    observer, this, config.maxPeers(), config.maxKnownAddresses(), config.pingTimeout(),
                    config.dialBackoffMax()); // a one-way link is re-checked as often as a failing address at most
            exchange = new PeerExchange(loop, config, observer, table, dialer, nodeId, advertise);
            dns = createDnsDiscovery();
            listening = true;
            started = true;
            LOG.info(() -> "node " + nodeId + " listening on " + config.host() + ":" + result.port()
                    + ", advertising " + advertise + ", network " + config.network() + (tlsInfo == null ? "" : ", mutual TLS"));
            config.bootstrap().forEach(a -> dialer.offer(a, DialTarget.Source.BOOTSTRAP, null));
            exchange.start();
            linkSummaries.start();
            if (dns != null) {
                dns.start();
            }
            if (config.internalPingTimer()) {
                pingTimer = loop.periodic(config.pingInterval().toMillis(), this::doPingRound);
            }
            refreshReadiness();
            done.accept(null);
        });
    }

    private DnsDiscovery createDnsDiscovery() {
        DiscoveryConfig d = config.discovery();
        return d.dns() == null ? null : new DnsDiscovery(loop, resolver, d.dns(), advertise.port(), d.dnsInterval(),
                () -> table.size() == 0, this::onDnsLookup);
    }

    /** A DNS answer: dial what is listed (but us), forget what is no longer listed; a failure changes nothing. */
    private void onDnsLookup(LookupResult result) {
        observer.discoveryLookup(result.status());
        if (stopping) {
            return;
        }
        if (result.status() != io.peermesh.discovery.LookupStatus.FAILED) {
            for (HostPort a : result.addresses()) {
                if (!a.equals(advertise)) {
                    dialer.offer(a, DialTarget.Source.DNS, null);
                }
            }
            dialer.withdrawDnsExcept(result.addresses());
        }
        dnsOutcome.record(result, advertise, table.size(), config.discovery().dns());
        refreshReadiness();
    }

    /** Byes to peers, then closes every connection, timer and the transport; {@code done} runs after. */
    public void stop(Runnable done) {
        stopping = true;
        listening = false;
        refreshReadiness();
        if (pingTimer >= 0) {
            loop.cancel(pingTimer);
            pingTimer = -1;
        }
        if (phasedRoundTimer >= 0) {
            loop.cancel(phasedRoundTimer);
            phasedRoundTimer = -1;
        }
        if (expiryTimer >= 0) {
            loop.cancel(expiryTimer);
            expiryTimer = -1;
        }
        if (readinessRefreshTimer >= 0) {
            loop.cancel(readinessRefreshTimer);
            readinessRefreshTimer = -1;
        }
        if (dialer != null) {
            dialer.stop();
        }
        if (exchange != null) {
            exchange.stop();
        }
        if (dns != null) {
            dns.stop();
        }
        membership.stop();
        broadcasts.stop();
        linkSummaries.stop();
        List<Future<Void>> closing = new ArrayList<>();
        // Byes first: closing the server also closes its accepted connections. New connections
        // arriving meanwhile are closed on accept (stopping), and peers do not re-dial a node that
        // said bye within the departure grace (see Dialer).
        // A dial still waiting for the answer to its hello gets a bye too: the peer may already
        // count it as established (its hello is on the way back), and without the bye it would
        // take this departure for a crash and suspect the node for a ping timeout.
        for (PeerConnection c : List.copyOf(open)) {
            if (c.state() == ConnectionState.ESTABLISHED
                    || (c.state() == ConnectionState.HANDSHAKING && c.direction() == Direction.OUTBOUND)) {
                c.send(new Message.Bye("shutdown"));
            }
            closing.add(c.close("node stopping"));
        }
        Future.join(closing).onComplete(ar -> transport.close(() -> {
            LOG.info(() -> "node " + nodeId + " stopped");
            done.run();
        }));
    }

    private void accept(Link socket, Direction direction, DialTarget target) {
        if (stopping) {
            socket.close();
            return;
        }
        Penalties.Verdict standing = direction == Direction.INBOUND ? gate.screen(socket.remoteIp()) : Penalties.Verdict.CLEAR;
        if (standing == null) {
            socket.close();
            return;
        }
        PeerConnection c = new PeerConnection(this, socket, direction, target, config.maxFrameBytes());
        if (direction == Direction.INBOUND) {
            gate.entered(c, standing);
        }
        if (target != null && verifying.remove(target.address)) {
            c.markVerification();
        }
        open.add(c);
        c.open(config.handshakeTimeout().toMillis()); // an inbound TLS link is secured there, before anything is read
    }

    private int pendingHandshakes() {
        int pending = 0;
        for (PeerConnection c : open) {
            if (c.state() == ConnectionState.HANDSHAKING) {
                pending++;
            }
        }
        return pending;
    }

    @Override
    public void limitHit(PeerConnection c, Limit limit) {
        observer.limitHit(limit);
        limitLog.hit(limit, "closed " + c.describe());
        if (limit == Limit.MESSAGE_RATE) {
            gate.offence(c);
        }
    }

    @Override
    public void violated(PeerConnection c, ProtocolViolation v) {
        observer.protocolError(v.error());
        gate.offence(c);
        // One line, no stack trace: bad input is expected, and the node keeps serving everyone else.
        // Rate limited per reason: an attacker opening thousands of bad connections gets a few lines.
        connectionLog.log(Level.WARNING, v.error(),
                () -> "closing " + c.describe() + ": protocol error " + v.error().label() + ": " + v.getMessage());
    }

    /** What a TLS-refused inbound connection's log line says, whatever the detail. */
    static final String TLS_REFUSED = "TLS handshake failed (plain-text or untrusted peer)";

    @Override
    public void tlsRefused(PeerConnection c, String why) {
        observer.protocolError(ProtocolError.TLS_HANDSHAKE_FAILED);
        observer.handshake(HandshakeResult.REFUSED);
        connectionLog.log(Level.WARNING, ProtocolError.TLS_HANDSHAKE_FAILED,
                () -> "refused inbound connection from " + c.remoteAddress() + ": " + TLS_REFUSED + ": " + why);
    }

    @Override
    public void handshakeTimedOut(PeerConnection c) {
        observer.handshake(HandshakeResult.TIMEOUT);
        if (c.direction() == Direction.OUTBOUND && c.target() != null && !c.verification() && !c.parked()) {
            dialer.answeredNoHello(c.target());
        }
        connectionLog.log(Level.INFO, HandshakeResult.TIMEOUT,
                () -> "closing " + c.describe() + ": no completed handshake within p2p.handshake-timeout");
    }

    // ---------------------------------------------------------------- handshake decisions

    @Override
    public Admission admit(PeerConnection c, Message.Hello hello) {
        String peer = hello.nodeId();
        if (stopping) {
            return Admission.refuse(RejectReason.SHUTTING_DOWN, HandshakeResult.REFUSED, null);
        }
        if (peer.equals(nodeId)) {
            if (c.target() != null) {
                dialer.markSelf(c.target(), "a node there answered with this node's own id");
            }
            return Admission.refuse(RejectReason.SELF, HandshakeResult.SELF, null);
        }
        if (hello.network() != null && !hello.network().equals(config.network())) {
            return Admission.refuse(RejectReason.NETWORK_MISMATCH, HandshakeResult.REFUSED,
                    "this node is in network '" + config.network() + "', the peer in '" + hello.network() + "'");
        }
        if (c.target() != null) {
            dialer.identified(c.target(), peer);
        }
        Admission onProbation = gate.probation(c, peer);
        if (onProbation != null) {
            return onProbation;
        }
        PeerConnection existing = table.get(peer);
        if (existing == null) {
            if (table.size() >= config.maxPeers()) {
                // An isolated node would stay isolated if every node it can find is full: let it in
                // by dropping a peer that has others, within the bounds Eviction sets for a liar.
                PeerConnection victim = eviction.victimFor(c, hello.peerCount(), table.connections(), open, loop.nanoTime());
                if (victim != null) {
                    eviction.evicted(loop.nanoTime());
                    return Admission.acceptEvicting(victim);
                }
                exchange.refused(hello);
                return Admission.full("at p2p.max-peers " + config.maxPeers(), exchange.sample(16));
            }
            return Admission.accept();
        }
        if (c.verification() && c.target() != null) {
            // A verification dial answered by a connected node: that is who listens there. It
            // retires a stale identity claiming the address, but never displaces a connection.
            retireStaleAt(c.target().address, peer);
        }
        return crossing.admit(c, peer, existing);
    }

    /** A parked crossing dial reached its deadline without the peer dropping the registered connection. */
    @Override
    public void parkingExpired(PeerConnection c) {
        crossing.release(c);
        observer.handshake(HandshakeResult.DUPLICATE);
        connectionLog.log(Level.INFO, HandshakeResult.DUPLICATE, () -> "refusing " + c.describe()
                + ": a second connection claiming a connected peer, and the peer never dropped the first");
        c.refuse(Admission.refuse(RejectReason.DUPLICATE, HandshakeResult.DUPLICATE, "already connected to " + c.nodeId()));
    }

    /**
     * We dialled {@code address} and {@code answering} answered: if another connected node claimed
     * that address, it restarted there (or its IP was reused). Retire the old identity now instead
     * of waiting for its pings to time out.
     */
    private void retireStaleAt(HostPort address, String answering) {
        String previous = table.nodeIdListeningAt(address);
        if (previous == null || previous.equals(answering)) {
            return;
        }
        PeerConnection stale = table.get(previous);
        LOG.info(() -> "node " + answering + " now listens at " + address + "; retiring " + previous);
        if (stale != null) {
            stale.close("replaced by node " + answering + " at the same address");
        }
    }

    @Override
    public void established(PeerConnection c, Admission admission) {
        gate.validHandshake(c);
        HostPort listen = PeerTable.listenOf(c);
        String previous = listen == null ? null : table.nodeIdListeningAt(listen);
        // Only what answered when *we* dialled the address is evidence: an inbound hello can claim any listen.
        if (previous != null && !previous.equals(c.nodeId()) && c.direction() == Direction.INBOUND) {
            // A newcomer says it listens where a connected node listens: a restarted pod, or a
            // liar. Dial the address to see who answers there; that decides.
            verifying.remove(listen);
            verifying.add(listen);
            if (verifying.size() > config.maxPeers()) {
                verifying.remove(verifying.iterator().next());
            }
            dialer.verify(listen);
        }
        if (c.direction() == Direction.OUTBOUND && listen != null
                && listen.equals(c.target() == null ? null : c.target().address)) {
            retireStaleAt(listen, c.nodeId());
        }
        table.register(c);
        observer.handshake(HandshakeResult.OK);
        if (admission.replaces() != null) {
            observer.handshake(HandshakeResult.DUPLICATE);
            admission.replaces().close("duplicate: keeping the connection dialled by the smaller node id");
        }
        if (admission.evicts() != null) {
            PeerConnection victim = admission.evicts();
            if (victim.penalised()) {
                LOG.info(() -> "at p2p.max-peers: evicting peer " + victim.nodeId() + ", which came from an address"
                        + " with protocol errors on record, to let in node " + c.nodeId());
                victim.close("evicted: came from an address with protocol errors on record");
            } else {
                c.markAdmittedByEviction();
                LOG.info(() -> "at p2p.max-peers: evicting peer " + victim.nodeId() + " to let in node " + c.nodeId()
                        + ", which has no peer");
                victim.close("evicted to make room for an isolated node");
            }
            // Out of the table now, not when the close completes: the slot is already given away.
            if (table.removeIfRegistered(victim)) {
                peerGone(victim);
            }
        }
        LOG.info(() -> "peer " + c.nodeId() + " connected (" + c.describe() + ", listens on " + c.peerHello().listen() + ")");
        memberLinked(c);
        dialer.peerConnected(c.nodeId(), listen, c.target());
        exchange.established(c, listen);
        // A first ping now: the RTT is known at once and the peer counts as alive for getaddr answers.
        c.pingOrExpire(loop.nanoTime(), config.pingTimeout().toNanos());
        armExpiry();
        refreshReadiness();
    }

    @Override
    public void refusedByPeer(PeerConnection c, Message.Reject reject) {
        RejectReason reason = RejectReason.fromWire(reject.reason());
        DialTarget t = c.target();
        if (reason == RejectReason.SELF) {
            dialer.markSelf(t, "it leads back to this node (hello with its own id)");
            return;
        }
        observer.handshake(reason == RejectReason.DUPLICATE ? HandshakeResult.DUPLICATE : HandshakeResult.REFUSED);
        if (reject.nodeId() != null) {
            dialer.identified(t, reject.nodeId());
            if (reason == RejectReason.DUPLICATE) {
                retireStaleAt(t.address, reject.nodeId()); // whoever refuses us there is who listens there
            }
        }
        if (reason == RejectReason.FULL) {
            exchange.learn(reject.peers().subList(0, Math.min(reject.peers().size(), 32)));
            return;
        }
        if (reason != RejectReason.DUPLICATE) {
            LOG.warning(() -> "node at " + t.address + " refused the handshake: " + reject.reason()
                    + (reject.detail() == null ? "" : " (" + reject.detail() + ")"));
        }
    }

    @Override
    public void onMessage(PeerConnection c, Message message) {
        switch (message.type()) {
            case BYE -> {
                LOG.info(() -> "peer " + c.nodeId() + " said bye");
                c.close("peer said bye");
            }
            case GETADDR -> exchange.answer(c);
            case ADDR -> {
                if (c.addrExpected()) {
                    // Its answer to our getaddr lists its live peers but us: fresher than its hello's count.
                    c.reportedPeers(((Message.Addr) message).peers().size());
                }
                exchange.receive(c, (Message.Addr) message);
            }
            case REJECT -> c.close("peer refused: " + ((Message.Reject) message).reason());
            case BROADCAST -> broadcasts.received(c.nodeId(), (Message.Broadcast) message);
            case LINKS -> linkSummaries.received(c.nodeId(), (Message.Links) message);
            case META -> {
                Message.Meta m = (Message.Meta) message;
                metadataDropped(c, m.dropped());
                membership.metadata(c.nodeId(), m.incarnation(), m.metadata());
            }
            default -> {
                // unknown types are counted (received{msgtype="unknown"}) and ignored
            }
        }
    }

    @Override
    public void closed(PeerConnection c) {
        if (open.remove(c) && c.direction() == Direction.INBOUND) {
            gate.closed(c);
        }
        PeerConnection successor = table.get(c.nodeId()) == c ? crossing.successorOf(c) : null;
        if (successor != null) {
            promote(c, successor);
        } else if (table.removeIfRegistered(c)) {
            peerGone(c);
            refreshReadiness();
        } else {
            crossing.release(c);
            if (c.target() != null && c.state() != ConnectionState.ESTABLISHED && (c.peerHello() == null || c.parked())
                    && !stopping) {
                dialer.handshakeFailed(c.target(), c.closeReason());
            }
        }
    }

    /**
     * The peer dropped its registered connection {@code gone} as the loser of a crossing dial: the
     * parked winner takes its place in one step, so the peer never leaves the table (no peer lost,
     * no re-dial, no announcement).
     */
    private void promote(PeerConnection gone, PeerConnection successor) {
        gate.validHandshake(successor);
        successor.promote();
        table.register(successor);
        observer.handshake(HandshakeResult.OK);
        LOG.info(() -> "peer " + successor.nodeId() + " dropped " + gone.describe() + " (" + gone.closeReason()
                + "); keeping " + successor.describe() + ", the connection dialled by the smaller node id");
        dialer.peerConnected(successor.nodeId(), PeerTable.listenOf(successor), successor.target());
        successor.pingOrExpire(loop.nanoTime(), config.pingTimeout().toNanos());
        armExpiry();
        memberLinked(successor);
        successor.resumeAfterPromotion();
        refreshReadiness();
    }

    private void memberLinked(PeerConnection c) {
        Message.Hello h = c.peerHello();
        metadataDropped(c, h.metadataDropped());
        membership.linked(c.nodeId(), h.listen(), h.incarnation(), h.metadata());
    }

    private void metadataDropped(PeerConnection c, MetadataDrop drop) {
        if (drop != null) {
            observer.metadataDropped(drop);
            connectionLog.log(Level.WARNING, drop, () -> "dropped the metadata of peer " + c.nodeId() + ": "
                    + (drop == MetadataDrop.OVERSIZE ? "over " + Metadata.MAX_BYTES + " bytes" : "not an object of strings with valid keys"));
        }
    }

    // ---------------------------------------------------------------- members

    /** The member list now, this node first; safe from any thread. */
    public Future<List<Member>> members() {
        return onLoop(membership::members);
    }

    /** On the loop: the member list and its events (the simulator's thread). */
    public Membership membership() {
        return membership;
    }

    /** Subscribes to member events from any thread; {@code catchup} gets the first part on the loop. */
    public void subscribeMembers(String lastEventId, MemberEvents.Listener listener, Consumer<MemberEvents.Catchup> catchup) {
        loop.execute(() -> catchup.accept(membership.events().subscribe(lastEventId, membership::members, listener)));
    }

    public void unsubscribeMembers(MemberEvents.Listener listener) {
        loop.execute(() -> membership.events().unsubscribe(listener));
    }

    /**
     * Replaces the keys set at run time (the ones from {@code p2p.metadata.*} stay); announces the
     * result to every peer that speaks v2. Fails if a key is one of the configured ones.
     */
    public Future<Void> setMetadata(Metadata app) {
        for (String key : app.asMap().keySet()) {
            if (config.metadata().asMap().containsKey(key)) {
                return Future.failedFuture(new IllegalArgumentException("metadata key '" + key
                        + "' is set by p2p.metadata." + key + " and cannot be changed at run time"));
            }
        }
        Metadata combined;
        try {
            combined = config.metadata().with(app);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return onLoop(() -> {
            long incarnation = membership.setOwnMetadata(combined);
            sendToAllV2(new Message.Meta(incarnation, combined, null), null);
            return null;
        });
    }

    /** Sends to every registered peer that speaks v2 (a v1 peer would count the type as unknown). */
    private void sendToAllV2(Message m, String exceptNodeId) {
        Buffer line = null; // encoded once for all: a broadcast may carry 64 KiB
        for (PeerConnection c : table.connections()) {
            Integer v = c.peerHello().version();
            if (v != null && v >= 2 && !c.nodeId().equals(exceptNodeId)) {
                if (line == null) {
                    line = MessageCodec.encode(m);
                }
                c.send(m.type(), line);
            }
        }
    }

    // ---------------------------------------------------------------- broadcast

    /** Publishes to every member (this one included); see {@link Broadcasts}. Safe from any thread. */
    public Future<PublishResult> publish(String topic, String payloadJson) {
        return onLoop(() -> broadcasts.publish(topic, payloadJson)); // refused once stop began
    }

    /** Registers for every delivery from now on; safe from any thread. */
    public void subscribeMessages(Broadcasts.Listener listener) {
        loop.execute(() -> broadcasts.subscribe(listener));
    }

    public void unsubscribeMessages(Broadcasts.Listener listener) {
        loop.execute(() -> broadcasts.unsubscribe(listener));
    }

    /** On the loop: broadcast state (the simulator's thread). */
    public Broadcasts broadcasts() {
        return broadcasts;
    }

    /** A registered peer left the table: re-dial or forget it, look again for others. */
    private void peerGone(PeerConnection c) {
        LOG.info(() -> "peer " + c.nodeId() + " disconnected: " + c.closeReason());
        membership.unlinked(c.nodeId(), c.peerSaidBye(), memberLinks.lastHeardMillis(c));
        broadcasts.peerGone(c.nodeId());
        dialer.peerLost(c.nodeId(), c.peerSaidBye());
        if (table.size() < config.minPeers()) {
            dialer.reviveDepartedBootstrap();
        }
        if (dns != null && !stopping) {
            dns.lookupSoon(); // the peer may have moved (new pod IP)
        }
        dialer.fillSlots();
    }

    // ---------------------------------------------------------------- pings

    /** Pings every peer and drops those overdue; safe to call from any thread. */
    public void pingRound() {
        onLoop(this::doPingRound);
    }

    /**
     * Pings every peer at this node's phase: a fixed delay after the call, drawn once per run in
     * [0, ping-interval). For an external scheduler that fires on the wall clock's second (Quarkus'
     * does: every node of a mesh, with NTP, would ping all its peers at the same instant): each ping
     * would then arrive while its peer is busy sending its own round, and the round trip would
     * measure that, not the link (issue #16). Each node keeps its pings one interval apart.
     */
    public void pingRoundAtPhase() {
        onLoop(() -> {
            if (stopping || phasedRoundTimer >= 0) {
                return; // stopped, or the previous tick's round has not run yet: one round per interval
            }
            if (pingPhaseMillis < 0) {
                pingPhaseMillis = 1 + loop.random().nextLong(Math.max(1, config.pingInterval().toMillis() - 1));
            }
            phasedRoundTimer = loop.schedule(pingPhaseMillis, () -> {
                phasedRoundTimer = -1;
                doPingRound();
            });
        });
    }

    /**
     * Before {@link #start}: round trips are no samples until {@link #releaseRttSamples} (the
     * application's RTT warm-up runs beside the start; until it is done a round trip measures this
     * JVM, issue #16). Pings still keep peers alive and reach the histogram.
     */
    public void holdRttSamples() {
        rttSamplesHeld = true;
    }

    /**
     * Round trips are samples from the next round on (not at once: a ping sent right as the
     * warm-up ends met the JIT compiling what it had run, 3 ms on loopback).
     */
    public void releaseRttSamples() {
        onLoop(() -> rttSamplesHeld = false);
    }

    private void doPingRound() {
        if (stopping) {
            return;
        }
        long now = loop.nanoTime();
        long timeout = config.pingTimeout().toNanos();
        for (PeerConnection c : table.connections()) {
            if (!c.pingOrExpire(now, timeout)) {
                timedOut(c);
            }
        }
        armExpiry();
    }

    private void timedOut(PeerConnection c) {
        observer.peerTimedOut();
        LOG.warning(() -> "peer " + c.nodeId() + " timed out: no pong within p2p.ping-timeout " + config.pingTimeout());
        c.close("ping timeout");
    }

    /**
     * Arms one timer for the moment the earliest unanswered ping times out. Checking only at ping
     * rounds would drop a silent peer up to a whole interval late (a ping falls overdue just after a
     * round looked): the benchmark saw removals at timeout + 2 intervals. With this timer a silent
     * peer goes at its oldest unanswered ping + ping-timeout, i.e. at most ping-timeout + one
     * interval after its last answer. One timer per node, re-armed each round, not one per ping.
     */
    private void armExpiry() {
        long timeout = config.pingTimeout().toNanos();
        long earliest = Long.MAX_VALUE;
        for (PeerConnection c : table.connections()) {
            earliest = Math.min(earliest, c.overdueAtNanos(timeout));
        }
        if (expiryTimer >= 0) {
            if (earliest == expiryAtNanos) {
                return;
            }
            loop.cancel(expiryTimer);
            expiryTimer = -1;
        }
        if (earliest == Long.MAX_VALUE || stopping) {
            return;
        }
        expiryAtNanos = earliest;
        long delayMillis = Math.max(1, (earliest - loop.nanoTime() + 999_999) / 1_000_000);
        expiryTimer = loop.schedule(delayMillis, () -> {
            expiryTimer = -1;
            expireOverdue();
        });
    }

    private void expireOverdue() {
        if (stopping) {
            return;
        }
        long now = loop.nanoTime();
        long timeout = config.pingTimeout().toNanos();
        for (PeerConnection c : table.connections()) {
            if (c.overdue(now, timeout)) {
                timedOut(c);
            }
        }
        armExpiry();
    }

    private void onLoop(Runnable action) {
        if (started) {
            loop.execute(action);
        }
    }

    private <T> Future<T> onLoop(Supplier<T> supplier) {
        if (!started) {
            return Future.failedFuture("node not started");
        }
        Promise<T> p = Promise.promise();
        loop.execute(() -> p.complete(supplier.get()));
        return p.future();
    }

    // ---------------------------------------------------------------- views

    public Future<List<PeerView>> peers() {
        return onLoop(() -> peerViews());
    }

    /** The last round trips to a peer, oldest first; null when no peer has that id. */
    public Future<List<RttSample>> rttHistory(String peerId) {
        return onLoop(() -> {
            PeerConnection c = table.get(peerId);
            return c == null ? null : c.pings().history();
        });
    }

    public Future<List<TargetStatus>> targets() {
        return onLoop(() -> dialer == null ? List.<TargetStatus>of() : dialer.status());
    }

    public NodeView view() {
        Readiness r = readiness;
        return new NodeView(nodeId, advertise == null ? null : advertise.toString(), config.host() + ":" + port(),
                config.network(), NodeConfig.PROTOCOL_VERSION, table.size(), config.minPeers(), r.ready(),
                Instant.ofEpochMilli(startedAtMillis).toString(), config.tls() != null, tlsInfo);
    }

    /**
     * A dial target changed (a dial failed, a peer was identified, ...). The dialer calls this for
     * every change, e.g. several times per entry of an addr flood as its dials fail; recomputing at
     * once walked every known target each time, quadratic in the addresses one peer can hand over.
     * Targets only explain a node that is not ready, and peers, lifecycle and DNS refresh readiness
     * themselves, so: nothing to do while ready; else at once after a quiet spell, and within a
     * burst at most once every {@value #TARGET_REFRESH_SPACING_MILLIS} ms, however many targets
     * changed meanwhile (the explanation of a node that is not ready then lags that long at most).
     */
    @Override
    public void targetsChanged() {
        if (readinessRefreshTimer >= 0 || !started || readiness.ready() || stopping) {
            return;
        }
        long sinceLast = (loop.nanoTime() - lastTargetRefreshNanos) / 1_000_000;
        if (sinceLast >= TARGET_REFRESH_SPACING_MILLIS) {
            refreshReadinessForTargets();
            return;
        }
        readinessRefreshTimer = loop.schedule(TARGET_REFRESH_SPACING_MILLIS - sinceLast, () -> {
            readinessRefreshTimer = -1;
            refreshReadinessForTargets();
        });
    }

    /** A gray link appeared or went: readiness names them whether ready or not. Rare: at once. */
    @Override
    public void linksChanged() {
        if (started && !stopping) {
            refreshReadiness();
        }
    }

    private void refreshReadinessForTargets() {
        lastTargetRefreshNanos = loop.nanoTime();
        refreshReadiness();
    }

    /** Recomputes readiness now: peers, lifecycle or DNS changed (or targets, once per turn). */
    private void refreshReadiness() {
        readinessRefreshes++;
        readiness = ReadinessReport.of(listening, stopping, table.size(), config, this::targetsForReadiness, dnsOutcome,
                dialer == null ? List.of() : dialer.linkProblems(MAX_LINK_PROBLEMS_SHOWN));
    }

    private List<TargetStatus> targetsForReadiness() {
        List<TargetStatus> targets = dialer == null ? List.of() : dialer.status();
        targetsWalkedForReadiness += targets.size();
        return targets;
    }

    public Readiness readiness() { return readiness; }
    public LinkSummaries linkSummaries() { return linkSummaries; }
    public String nodeId() { return nodeId; }
    public NodeConfig nodeConfig() { return config; }
    public boolean isListening() { return listening; }
    public int peerCount(Direction d) { return table.count(d); }
    public HostPort advertised() { return advertise; }
    public int port() { return boundPort < 0 ? config.port() : boundPort; }
    /** Registered peers now; on the loop (the simulator's thread). */
    public List<PeerView> peerViews() {
        long now = loop.nanoTime();
        return table.connections().stream().map(c -> PeerViews.of(c, now)).toList();
    }
    /** Dial targets now; on the loop. */
    public List<TargetStatus> targetsNow() { return dialer == null ? List.of() : dialer.status(); }
    /** Connections open (handshaking or established) and re-dial timers pending: both 0 after close. On the loop. */
    public int openConnections() { return open.size(); }
    public int pendingDialTimers() {
        return (dialer == null ? 0 : dialer.pendingTimers()) + (exchange != null && exchange.timerPending() ? 1 : 0)
                + (dns != null && dns.timerPending() ? 1 : 0) + (readinessRefreshTimer >= 0 ? 1 : 0)
                + membership.pendingTimers() + broadcasts.pendingTimers();
    }
    /** Dial targets that are gray links of this kind now; safe from any thread. */
    public int linkProblems(LinkProblem kind) { return dialer == null ? 0 : dialer.linkProblemCount(kind); }
    /** Addresses known for dialling (connected or not). */
    public int knownAddresses() { return dialer == null ? 0 : dialer.size(); }
    /** Addresses in the last successful DNS answer. */
    public int discoveryAddresses() { return dnsOutcome.addresses(); }
    /** For tests: inbound connections from {@code ip} in their handshake now. */
    int handshakingFrom(String ip) { return gate.handshakingFrom(ip); }
    public boolean pingTimerActive() { return pingTimer >= 0 || phasedRoundTimer >= 0; }
    public boolean expiryTimerActive() { return expiryTimer >= 0; }
    long readinessRefreshes() { return readinessRefreshes; }
    long targetsWalkedForReadiness() { return targetsWalkedForReadiness; }

    // ---------------------------------------------------------------- ConnectionOwner / Dialer.Host

    @Override public NodeObserver observer() { return observer; }
    @Override public Loop loop() { return loop; }
    /** Our hello, with our current peer count (a full node lets in a node that has none). */
    @Override public Message.Hello ownHello() {
        return new Message.Hello(nodeId, NodeConfig.PROTOCOL_VERSION, config.network(),
                advertise == null ? null : advertise.toString(), table.size(), membership.ownMetadata(),
                membership.ownIncarnation(), null);
    }
    @Override public int peerCount() { return table.size(); }
    @Override public LimitsConfig limits() { return config.limits(); }
    @Override public boolean pingFollowUp() { return config.pingFollowUp(); }
    @Override public boolean rttSampling() { return !rttSamplesHeld; }
    @Override public TokenBucket addrBucket() {
        return new TokenBucket(config.discovery().addrRate(), config.discovery().addrBurst(), loop.nanoTime());
    }
    @Override public boolean stopping() { return stopping; }
    @Override public boolean isConnected(String peer) { return table.get(peer) != null; }
    @Override public String connectedNodeAt(HostPort listen) { return table.nodeIdListeningAt(listen); }
    @Override public HostPort advertise() { return advertise; }
    @Override public void dialed(Link link, DialTarget target) { accept(link, Direction.OUTBOUND, target); }
}
