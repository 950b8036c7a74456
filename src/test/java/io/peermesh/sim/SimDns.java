package io.peermesh.sim;

import io.peermesh.discovery.AddressResolver;
import io.peermesh.discovery.LookupResult;
import io.peermesh.wire.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * A headless Service's DNS name in the simulation: the answer is what the scenario lists now, a
 * few hundred microseconds later on the asking node's loop; {@link #down} makes lookups fail.
 */
public final class SimDns {

    private final Simulation sim;
    private final List<HostPort> listed = new ArrayList<>();
    private boolean down;

    public SimDns(Simulation sim) {
        this.sim = sim;
    }

    public void list(HostPort address) {
        if (!listed.contains(address)) {
            listed.add(address);
        }
    }

    public void unlist(HostPort address) {
        listed.remove(address);
    }

    public void down(boolean isDown) {
        down = isDown;
    }

    /** The resolver a node on {@code loop} uses. */
    AddressResolver resolver(SimLoop loop) {
        return (name, port) -> {
            Promise<LookupResult> p = Promise.promise();
            LookupResult answer = down ? LookupResult.failed("timeout (simulated DNS server down)")
                    : listed.isEmpty() ? LookupResult.empty("NXDOMAIN")
                    : LookupResult.ok(List.copyOf(listed), listed.size() + " A records");
            sim.at(sim.nowNanos() + 300_000, loop, () -> p.complete(answer));
            return p.future();
        };
    }

    Future<Void> close() {
        return Future.succeededFuture();
    }
}
