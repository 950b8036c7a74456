package io.peermesh.service;

import io.peermesh.vertx.PeerNode;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** The shared body of the liveness and startup checks. */
final class ServerListening {

    private ServerListening() {
    }

    static HealthCheckResponse check(PeerService service, String name) {
        PeerNode node = service.node();
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name).status(node != null && node.isListening());
        if (node != null) {
            b.withData("port", node.port());
        }
        return b.build();
    }
}
