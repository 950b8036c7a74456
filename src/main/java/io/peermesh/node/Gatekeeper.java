package io.peermesh.node;

import io.peermesh.node.config.LimitsConfig;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.runtime.Clock;
import io.peermesh.wire.RejectReason;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Who may come in: the inbound caps (in total, per address while in the handshake, handshakes
 * pending) and the penalties of addresses that misbehaved ({@link Penalties}). Every refusal is
 * counted ({@code p2p_limits_total{limit}}) and logged through the per-limit {@link LimitLog}.
 *
 * <p>The per-IP cap counts only connections still in their handshake: behind a sidecar or NAT
 * every peer has one address, and established peers are bounded by max-inbound and max-peers. An
 * address an established inbound peer comes from is never refused. A refused address gets one
 * connection at a time, on probation: its hello is admitted only from a node id that was a peer
 * here recently.
 *
 * <p>Threading: the node's loop.
 */
final class Gatekeeper {

    private final LimitsConfig limits;
    private final Clock clock;
    private final NodeObserver observer;
    private final LimitLog log;
    private final IntSupplier pendingHandshakes;
    private final Penalties penalties;
    /** Inbound connections still in their handshake, with how their address stood when they arrived. */
    private final Map<PeerConnection, Penalties.Verdict> handshaking = new LinkedHashMap<>();
    private final Map<String, Integer> handshakingByIp = new HashMap<>();
    /** Inbound connections past their handshake, and how many per address. */
    private final Set<PeerConnection> established = new HashSet<>();
    private final Map<String, Integer> establishedByIp = new HashMap<>();
    private int inboundOpen;

    Gatekeeper(LimitsConfig limits, Clock clock, NodeObserver observer, LimitLog log, IntSupplier pendingHandshakes) {
        this.limits = limits;
        this.clock = clock;
        this.observer = observer;
        this.log = log;
        this.pendingHandshakes = pendingHandshakes;
        this.penalties = new Penalties(limits.banDuration(), limits.banOffences());
    }

    /** How the address of a new inbound connection stands, or null when a limit refuses it (counted, logged). */
    Penalties.Verdict screen(String ip) {
        Penalties.Verdict standing = penalties.verdict(ip, clock.nanoTime());
        Limit refused = limitFor(ip, standing);
        if (refused == null) {
            return standing;
        }
        observer.limitHit(refused);
        log.hit(refused, "refused an inbound connection from " + ip);
        return null;
    }

    private Limit limitFor(String ip, Penalties.Verdict standing) {
        int fromIp = handshakingByIp.getOrDefault(ip, 0);
        if (standing == Penalties.Verdict.REFUSED && fromIp > 0) {
            return Limit.COOLING_OFF;
        }
        if (inboundOpen >= limits.maxInbound()) {
            return Limit.INBOUND_TOTAL;
        }
        if (fromIp >= limits.maxInboundPerIp()) {
            return Limit.INBOUND_PER_IP;
        }
        return pendingHandshakes.getAsInt() >= limits.maxPendingHandshakes() ? Limit.PENDING_HANDSHAKES : null;
    }

    /** A screened inbound connection was opened: counted until it leaves its handshake and until it closes. */
    void entered(PeerConnection c, Penalties.Verdict standing) {
        inboundOpen++;
        handshaking.put(c, standing);
        handshakingByIp.merge(c.remoteIp(), 1, Integer::sum);
        if (standing != Penalties.Verdict.CLEAR) {
            c.standing().markPenalised();
        }
    }

    /**
     * The hello of an inbound connection from a refused address: a refusal unless {@code peer}
     * was a peer here within ban-duration; null to go on with the handshake.
     */
    Admission probation(PeerConnection c, String peer) {
        if (handshaking.get(c) != Penalties.Verdict.REFUSED || penalties.recentPeer(peer, clock.nanoTime())) {
            return null;
        }
        observer.limitHit(Limit.COOLING_OFF);
        log.hit(Limit.COOLING_OFF, "refused the hello of node " + peer + " from " + c.remoteIp());
        return Admission.refuse(RejectReason.COOLING_OFF, HandshakeResult.REFUSED, "too many protocol errors from "
                + c.remoteIp() + " and no valid handshake from it since; only recent peers are admitted from there");
    }

    /** The handshake of {@code c} was valid and accepted (established, or promoted from parked). */
    void validHandshake(PeerConnection c) {
        leftHandshake(c);
        if (c.direction() == Direction.INBOUND && established.add(c)) {
            establishedByIp.merge(c.remoteIp(), 1, Integer::sum);
        }
        penalties.validHandshake(c.direction() == Direction.INBOUND ? c.remoteIp() : null, c.nodeId(), clock.nanoTime());
    }

    /**
     * The connection broke the protocol or flooded: an offence against its address, which is never
     * refused while another inbound peer is connected from there (the offender's own does not count).
     */
    void offence(PeerConnection c) {
        if (c.direction() == Direction.INBOUND) {
            int peersThere = establishedByIp.getOrDefault(c.remoteIp(), 0) - (established.contains(c) ? 1 : 0);
            penalties.offence(c.remoteIp(), clock.nanoTime(), peersThere > 0);
        }
    }

    /** An inbound connection closed. */
    void closed(PeerConnection c) {
        inboundOpen--;
        leftHandshake(c);
        if (established.remove(c)) {
            establishedByIp.computeIfPresent(c.remoteIp(), (ip, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void leftHandshake(PeerConnection c) {
        if (handshaking.remove(c) != null) {
            handshakingByIp.computeIfPresent(c.remoteIp(), (ip, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Inbound connections from {@code ip} in their handshake now. */
    int handshakingFrom(String ip) {
        return handshakingByIp.getOrDefault(ip, 0);
    }
}
