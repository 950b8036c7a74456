package io.peermesh.api;

import io.peermesh.service.P2pConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Applies {@code p2p.api.writes} to the write endpoints; an invalid value fails the start. */
@ApplicationScoped
public class WriteGuard {

    private final WritePolicy policy;

    @Inject
    public WriteGuard(P2pConfig config) {
        this.policy = WritePolicy.parse(config.api().writes());
    }

    void onStart(@Observes StartupEvent event) {
        // Created at start, so that a bad p2p.api.writes stops the application at once.
    }

    /** Returns when {@code request} may write; else the 403 to answer. */
    void check(HttpServerRequest request) throws ApiError.Failure {
        String host = request.remoteAddress() == null ? null : request.remoteAddress().host();
        String why = policy.refusal(host);
        if (why != null) {
            throw new ApiError.Failure(403, "writes_refused", why);
        }
    }
}
