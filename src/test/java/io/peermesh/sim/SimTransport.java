package io.peermesh.sim;

import io.peermesh.runtime.Link;
import io.peermesh.runtime.Transport;
import io.peermesh.wire.HostPort;
import java.util.function.Consumer;

/** One node's {@link Transport} on the {@link SimNetwork}: it listens on its host's IP. */
final class SimTransport implements Transport {

    private final SimNetwork net;
    private final String ip;
    private final SimLoop loop;
    private int port = -1;

    SimTransport(SimNetwork net, String ip, SimLoop loop) {
        this.net = net;
        this.ip = ip;
        this.loop = loop;
    }

    @Override
    public void listen(String host, int port, Consumer<Link> accepted, Consumer<ListenResult> done) {
        this.port = port == 0 ? 5999 : port;
        net.listen(ip, this.port, accepted);
        int bound = this.port;
        loop.execute(() -> done.accept(new ListenResult(bound, null)));
    }

    @Override
    public void connect(HostPort address, Consumer<DialOutcome> done) {
        net.connect(ip, loop, address, done);
    }

    @Override
    public void close(Runnable done) {
        if (port >= 0) {
            net.unlisten(ip, port);
        }
        loop.execute(done);
    }
}
