package io.peermesh.service;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Drives the node's ping rounds every {@code p2p.ping-interval}. The round itself runs on the
 * node's event loop (it hops there), so this scheduler thread never touches node state.
 */
@ApplicationScoped
public class PingScheduler {

    @Inject
    PeerService peers;

    @Scheduled(identity = "p2p-ping", every = "${p2p.ping-interval:2s}", delayed = "${p2p.ping-interval:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void ping() {
        peers.pingRound();
    }
}
