package io.peermesh.service;

import io.peermesh.node.view.Readiness;
import io.peermesh.vertx.PeerNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * {@code /q/health/ready}: UP with at least {@code p2p.min-peers} handshaked peers; when DOWN its
 * data says why ({@code reason}) and which addresses fail ({@code problem1..10}); UP or DOWN, it
 * names gray links ({@code link1..10}: accepts connections but never answers the hello; reachable
 * one way only).
 */
@org.eclipse.microprofile.health.Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    static final String NAME = "peermesh-peers";
    private static final int MAX_PROBLEMS_SHOWN = 10;

    @Inject
    PeerService service;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME);
        PeerNode node = service.node();
        if (node == null) {
            return b.down().withData("reason", "node is starting").build();
        }
        Readiness r = node.readiness();
        b.status(r.ready()).withData("peers", r.peers()).withData("minPeers", r.minPeers());
        if (r.dns() != null) {
            b.withData("dns", r.dns());
        }
        for (int i = 0; i < r.links().size() && i < MAX_PROBLEMS_SHOWN; i++) {
            b.withData("link" + (i + 1), r.links().get(i));
        }
        if (!r.ready()) {
            b.withData("reason", r.reason());
            for (int i = 0; i < r.problems().size() && i < MAX_PROBLEMS_SHOWN; i++) {
                b.withData("problem" + (i + 1), r.problems().get(i));
            }
        }
        return b.build();
    }
}
