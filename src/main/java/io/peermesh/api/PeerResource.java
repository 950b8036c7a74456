package io.peermesh.api;

import io.peermesh.node.view.NodeView;
import io.peermesh.node.view.PeerView;
import io.peermesh.node.view.TargetStatus;
import io.peermesh.service.PeerService;
import io.peermesh.vertx.PeerNode;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** The node's state over HTTP: its peer table, itself, and the addresses it dials. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class PeerResource {

    @Inject
    PeerService service;

    @GET
    @Path("peers")
    public Uni<List<PeerView>> peers() {
        return Uni.createFrom().completionStage(() -> running().peers().toCompletionStage());
    }

    /**
     * The last round trips to one peer (up to 256, about 8.5 minutes at the default interval),
     * oldest first: a link's history without a log line per ping (README "Round-trip times").
     */
    @GET
    @Path("peers/{nodeid}/rtt")
    public Uni<Response> rtt(@PathParam("nodeid") String nodeId) {
        return Uni.createFrom().completionStage(() -> running().rttHistory(nodeId).toCompletionStage())
                .map(samples -> samples == null
                        ? ApiError.response(404, "unknown_peer", "no peer with node id " + nodeId + " (see GET /peers)")
                        : Response.ok(samples).build());
    }

    @GET
    @Path("node")
    public NodeView node() {
        return running().view();
    }

    @GET
    @Path("node/targets")
    public Uni<List<TargetStatus>> targets() {
        return Uni.createFrom().completionStage(() -> running().targets().toCompletionStage());
    }

    private PeerNode running() {
        PeerNode node = service.node();
        if (node == null) {
            throw new ServiceUnavailableException("node is starting");
        }
        return node;
    }
}
