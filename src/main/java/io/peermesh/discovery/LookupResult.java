package io.peermesh.discovery;

import io.peermesh.wire.HostPort;
import java.util.List;

/** The outcome of one lookup: the addresses found, and a sentence for logs and readiness. */
public record LookupResult(LookupStatus status, List<HostPort> addresses, String detail) {

    public LookupResult {
        addresses = List.copyOf(addresses);
    }

    public static LookupResult ok(List<HostPort> addresses, String detail) {
        return new LookupResult(addresses.isEmpty() ? LookupStatus.EMPTY : LookupStatus.OK, addresses, detail);
    }

    public static LookupResult empty(String detail) {
        return new LookupResult(LookupStatus.EMPTY, List.of(), detail);
    }

    public static LookupResult failed(String detail) {
        return new LookupResult(LookupStatus.FAILED, List.of(), detail);
    }
}
