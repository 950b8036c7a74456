package io.peermesh.node;

import io.peermesh.node.events.AddrDrop;
import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.Limit;
import io.peermesh.node.events.LinkProblem;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.ProtocolError;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what a node reports, for assertions. */
final class CountingObserver implements NodeObserver {
    private final Map<Object, AtomicInteger> counts = new ConcurrentHashMap<>();

    private void inc(Object key) {
        counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    int count(Object key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    @Override public void dialed(DialResult result) { inc(result); }
    @Override public void handshake(HandshakeResult result) { inc(result); }
    @Override public void received(MsgType type, int bytes) { inc("received:" + type); }
    @Override public void sent(MsgType type, int bytes) { inc("sent:" + type); }
    @Override public void pingRoundTrip(long nanos) { inc("rtt"); }
    @Override public void peerTimedOut() { inc("timeout"); }
    @Override public void protocolError(ProtocolError reason) { inc(reason); }
    @Override public void limitHit(Limit limit) { inc(limit); }
    @Override public void linkProblem(LinkProblem problem) { inc(problem); }
    @Override public void discoveryLookup(io.peermesh.discovery.LookupStatus result) { inc("lookup:" + result); }
    @Override public void addrEntriesDropped(AddrDrop reason, int count) {
        counts.computeIfAbsent(reason, k -> new AtomicInteger()).addAndGet(count);
    }

    /** Every count at this moment, by the key {@link #count} takes. */
    Map<Object, Integer> snapshot() {
        Map<Object, Integer> copy = new java.util.HashMap<>();
        counts.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    @Override
    public String toString() {
        return counts.toString();
    }
}
