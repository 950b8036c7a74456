package io.peermesh.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * {@code /q/health/live}: UP while the peer server listens. It never depends on peers: a pod still
 * looking for them must not be restarted for it (akka-management#259).
 */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    @Inject
    PeerService service;

    @Override
    public HealthCheckResponse call() {
        return ServerListening.check(service, "peermesh-server");
    }
}
