package io.peermesh.service;

import io.peermesh.node.NodeView;
import io.peermesh.node.PeerNode;
import io.peermesh.node.PeerView;
import io.peermesh.node.TargetStatus;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.MediaType;
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
