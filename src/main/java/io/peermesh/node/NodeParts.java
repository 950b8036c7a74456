package io.peermesh.node;

import io.peermesh.broadcast.Broadcasts;
import io.peermesh.discovery.DnsDiscovery;
import io.peermesh.members.Membership;
import io.peermesh.node.config.NodeConfig;
import io.peermesh.node.dial.Dialer;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.runtime.Loop;
import io.peermesh.topology.LinkSummaries;
import io.peermesh.wire.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the components of one node share: its identity and config, its loop, the connections and
 * the peer table, the lifecycle flags, and the parts wired once it listens (dialer, exchange, DNS).
 * A holder, not a component: each job is in a class of its own ({@link Connections},
 * {@link Handshakes}, {@link MessageDispatch}, {@link Liveness}, {@link ReadinessTracker},
 * {@link MeshApplications}) and {@link MeshNode} wires them.
 *
 * <p>Threading: the loop's, but for the volatile lifecycle fields, which other threads read.
 */
final class NodeParts {

    final NodeConfig config;
    final String nodeId;
    final Loop loop;
    final NodeObserver observer;
    final PeerTable table = new PeerTable();
    final Set<PeerConnection> open = new LinkedHashSet<>(); // ordered: the simulator replays a seed exactly
    final MemberLinks memberLinks;
    final Membership membership;
    Broadcasts broadcasts; // set once by MeshNode's constructor: it sends through MeshApplications
    LinkSummaries linkSummaries; // set once by MeshNode's constructor, likewise
    final DnsOutcome dnsOutcome = new DnsOutcome();

    volatile boolean started;
    volatile boolean listening;
    volatile boolean stopping;
    volatile int boundPort = -1;
    volatile HostPort advertise;

    // Set once at start, when the node listens (the dialer and exchange need the advertised address).
    LimitLog limitLog;
    Gatekeeper gate;
    QuietLog connectionLog; // protocol errors and handshake timeouts, per reason
    Dialer dialer;
    PeerExchange exchange;
    DnsDiscovery dns;

    NodeParts(NodeConfig config, String nodeId, Loop loop, NodeObserver observer) {
        this.config = config;
        this.nodeId = nodeId;
        this.loop = loop;
        this.observer = observer;
        this.memberLinks = new MemberLinks(table, loop);
        // Suspicion lasts one ping timeout: a dropped link is re-dialled within dial-backoff-min,
        // and a peer silent that long again would be dropped again. Records of the gone stay a while.
        this.membership = new Membership(nodeId, config.advertise() == null ? null : config.advertise().toString(),
                config.metadata(), loop, memberLinks, observer::suspicionEnded,
                config.pingTimeout().toMillis(), MEMBER_RETENTION_MILLIS);
    }

    static final long MEMBER_RETENTION_MILLIS = 60_000;

    /** Runs {@code action} on the loop once started (before, there is nothing to act on); from any thread. */
    void onLoop(Runnable action) {
        if (started) {
            loop.execute(action);
        }
    }

    /** The value of {@code supplier}, computed on the loop; failed before the start. From any thread. */
    <T> Future<T> onLoop(Supplier<T> supplier) {
        if (!started) {
            return Future.failedFuture("node not started");
        }
        Promise<T> p = Promise.promise();
        loop.execute(() -> p.complete(supplier.get()));
        return p.future();
    }

    /** True once the node listens and its dialer exists. */
    boolean wired() {
        return dialer != null;
    }
}
