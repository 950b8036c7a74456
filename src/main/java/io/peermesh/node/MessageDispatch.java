package io.peermesh.node;

import io.peermesh.wire.Message;
import java.util.logging.Logger;

/**
 * The one dispatch of messages after the handshake that a connection does not handle itself
 * (it answers pings and matches pongs): departures, address exchange, refusals, broadcasts and
 * metadata. Unknown types were counted by the connection and are ignored here.
 *
 * <p>On the node's loop.
 */
final class MessageDispatch {

    private static final Logger LOG = Logger.getLogger(MeshNode.class.getName()); // one logger name for the node

    private final NodeParts n;
    private final PeerLinks links;

    MessageDispatch(NodeParts parts, PeerLinks links) {
        this.n = parts;
        this.links = links;
    }

    void onMessage(PeerConnection c, Message message) {
        switch (message.type()) {
            case BYE -> {
                LOG.info(() -> "peer " + c.nodeId() + " said bye");
                c.close(CloseCause.of(CloseCause.Kind.PEER_BYE));
            }
            case GETADDR -> n.exchange.answer(c);
            case ADDR -> {
                if (c.standing().addrExpected()) {
                    // Its answer to our getaddr lists its live peers but us: fresher than its hello's count.
                    c.standing().reportedPeers(((Message.Addr) message).peers().size());
                }
                n.exchange.receive(c, (Message.Addr) message);
            }
            // After the handshake: a duplicate is the peer resolving a crossing dial (CloseCause#droppedByPeer).
            case REJECT -> c.close(CloseCause.peerReject(((Message.Reject) message).reason()));
            case BROADCAST -> n.broadcasts.received(c.nodeId(), (Message.Broadcast) message);
            case META -> {
                Message.Meta m = (Message.Meta) message;
                links.metadataDropped(c, m.dropped());
                n.membership.metadata(c.nodeId(), m.incarnation(), m.metadata());
            }
            case LINKS -> n.linkSummaries.received(c.nodeId(), (Message.Links) message);
            default -> {
                // unknown types are counted (received{msgtype="unknown"}) and ignored
            }
        }
    }
}
