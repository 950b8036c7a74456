package io.peermesh.bench;

import io.peermesh.node.events.DialResult;
import io.peermesh.node.events.HandshakeResult;
import io.peermesh.node.events.NodeObserver;
import io.peermesh.wire.MsgType;
import io.peermesh.wire.ProtocolError;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What all nodes of a trial did, summed: handshakes, dials, timeouts, messages by type. */
final class MeshCounters implements NodeObserver {

    final LongAdder timeouts = new LongAdder();
    final LongAdder protocolErrors = new LongAdder();
    final LongAdder[] handshakes = adders(HandshakeResult.values().length);
    final LongAdder[] dials = adders(DialResult.values().length);
    final LongAdder[] received = adders(MsgType.values().length);
    final LongAdder[] receivedBytes = adders(MsgType.values().length);

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    @Override
    public void peerTimedOut() {
        timeouts.increment();
    }

    @Override
    public void protocolError(ProtocolError reason) {
        protocolErrors.increment();
    }

    @Override
    public void handshake(HandshakeResult result) {
        handshakes[result.ordinal()].increment();
    }

    @Override
    public void dialed(DialResult result) {
        dials[result.ordinal()].increment();
    }

    @Override
    public void received(MsgType type, int bytes) {
        received[type.ordinal()].increment();
        receivedBytes[type.ordinal()].add(bytes);
    }

    void reset() {
        timeouts.reset();
        protocolErrors.reset();
        for (LongAdder[] group : new LongAdder[][] {handshakes, dials, received, receivedBytes}) {
            for (LongAdder a : group) {
                a.reset();
            }
        }
    }

    /** One line: "timeouts=.. handshake.ok=.. ..." (parsed back by {@link #parse}). */
    String line() {
        StringBuilder b = new StringBuilder("timeouts=").append(timeouts.sum()).append(" protocolErrors=").append(protocolErrors.sum());
        for (HandshakeResult r : HandshakeResult.values()) {
            b.append(" handshake.").append(r.label()).append('=').append(handshakes[r.ordinal()].sum());
        }
        for (DialResult r : DialResult.values()) {
            b.append(" dial.").append(r.label()).append('=').append(dials[r.ordinal()].sum());
        }
        for (MsgType t : MsgType.values()) {
            b.append(" received.").append(t.label()).append('=').append(received[t.ordinal()].sum());
            b.append(" receivedBytes.").append(t.label()).append('=').append(receivedBytes[t.ordinal()].sum());
        }
        return b.toString();
    }

    static Map<String, Long> parse(String line) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String kv : line.trim().split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return m;
    }
}
