package io.peermesh.discovery;

import io.vertx.core.Future;

/**
 * Finds the peer addresses behind a DNS name. Implementations must not cache beyond one lookup
 * (a headless Service's answer changes as pods come and go) and must tell an empty answer from a
 * failed lookup. Tests substitute a fake; production uses {@link DnsResolver}.
 */
public interface AddressResolver {

    /**
     * Resolves {@code name}: A and AAAA records, each paired with {@code defaultPort}; or, for an
     * SRV name ({@code _service._proto.name}), the SRV targets with their ports. Never fails the
     * future: failures are a {@link LookupStatus#FAILED} result.
     */
    Future<LookupResult> lookup(String name, int defaultPort);

    /** Releases sockets and timers. */
    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
