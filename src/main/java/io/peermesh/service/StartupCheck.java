package io.peermesh.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** {@code /q/health/started}: UP once the node was deployed and its peer server listens. */
@Startup
@ApplicationScoped
public class StartupCheck implements HealthCheck {

    @Inject
    PeerService service;

    @Override
    public HealthCheckResponse call() {
        return ServerListening.check(service, "peermesh-started");
    }
}
