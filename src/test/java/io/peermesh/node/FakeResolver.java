package io.peermesh.node;

import io.peermesh.discovery.AddressResolver;
import io.peermesh.discovery.LookupResult;
import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A resolver whose answer the test sets; counts lookups. */
final class FakeResolver implements AddressResolver {
    final AtomicReference<LookupResult> answer = new AtomicReference<>(LookupResult.empty("nothing yet"));
    final AtomicInteger lookups = new AtomicInteger();
    volatile boolean closed;

    @Override
    public Future<LookupResult> lookup(String name, int defaultPort) {
        lookups.incrementAndGet();
        return Future.succeededFuture(answer.get());
    }

    @Override
    public Future<Void> close() {
        closed = true;
        return Future.succeededFuture();
    }
}
