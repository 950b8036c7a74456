package io.peermesh.wire;

import java.util.List;

/**
 * One decoded line of the wire protocol (v1, and v2's additions). The set is closed: the node handles each type in one
 * switch over {@link #type()}.
 */
public sealed interface Message {

    MsgType type();

    /**
     * Introduces a node. Only {@code nodeId} is required on the wire; {@code version},
     * {@code network}, {@code listen} and {@code peerCount} (how many peers the sender has) are
     * null when the peer did not send them. Version 2 adds {@code metadata} (empty when absent or
     * dropped) and {@code incarnation} (0 when absent); {@code metadataDropped} says why metadata a
     * peer sent was not kept (null when it was, or when it sent none).
     */
    record Hello(String nodeId, Integer version, String network, String listen, Integer peerCount,
                 Metadata metadata, long incarnation, MetadataDrop metadataDropped) implements Message {

        public Hello(String nodeId, Integer version, String network, String listen, Integer peerCount) {
            this(nodeId, version, network, listen, peerCount, Metadata.EMPTY, 0, null);
        }

        public Hello(String nodeId, Integer version, String network, String listen) {
            this(nodeId, version, network, listen, null);
        }

        public MsgType type() {
            return MsgType.HELLO;
        }
    }

    /**
     * The sender's metadata changed (v2): the new pairs under a higher {@code incarnation}. A
     * receiver keeps the one with the highest incarnation; {@code dropped} as in {@link Hello}.
     */
    record Meta(long incarnation, Metadata metadata, MetadataDrop dropped) implements Message {
        public MsgType type() {
            return MsgType.META;
        }
    }

    /**
     * An application message for every member (v2): {@code origin} numbered it {@code seq}
     * (1, 2, ... per run of that node), so origin and seq identify it. {@code payload} is the JSON
     * value as sent, verbatim; {@code sentMillis} the origin's wall clock at publication.
     */
    record Broadcast(String origin, long seq, String topic, String payload, long sentMillis) implements Message {
        public MsgType type() {
            return MsgType.BROADCAST;
        }
    }

    /**
     * A summary of the sender's links (v2, issue #14): one entry per peer it is connected to and per
     * address it dials without success. {@code seq} numbers the sender's summaries (1, 2, ... per
     * run); a receiver keeps the highest. {@code invalidEntries} counts entries the codec dropped
     * (malformed, an unknown state, or beyond {@link MessageCodec#MAX_LINK_ENTRIES}).
     */
    record Links(long seq, List<LinkEntry> links, int invalidEntries) implements Message {
        public MsgType type() {
            return MsgType.LINKS;
        }
    }

    /**
     * One link of a {@link Links}: the peer's node id (null when never identified) and/or the
     * address dialled ({@code host:port}, null for an inbound peer), its {@link LinkState}, the
     * smoothed round trip in ms (null unless measured) and the share of recent ping rounds left
     * unanswered, 0..1 (null unless measured).
     */
    record LinkEntry(String nodeId, String addr, LinkState state, Double rttMillis, Double loss) {
    }

    /** A liveness probe; {@code nonce} is null for the original design's nonce-less ping. */
    record Ping(String nonce) implements Message {
        public MsgType type() {
            return MsgType.PING;
        }
    }

    /** The answer to a ping, echoing its nonce (null when the ping had none). */
    record Pong(String nonce) implements Message {
        public MsgType type() {
            return MsgType.PONG;
        }
    }

    /** Asks the peer for the listening addresses of the peers it knows. */
    record GetAddr() implements Message {
        public MsgType type() {
            return MsgType.GETADDR;
        }
    }

    /**
     * Listening addresses of peers. {@code invalidEntries} counts entries the codec dropped
     * because they were malformed or beyond {@link MessageCodec#MAX_ADDR_ENTRIES}.
     */
    record Addr(List<AddrEntry> peers, int invalidEntries) implements Message {
        public MsgType type() {
            return MsgType.ADDR;
        }
    }

    /** One {@code addr} entry: a node id and the {@code host:port} it listens on. */
    record AddrEntry(String nodeId, String addr) {
    }

    /** Sent on graceful shutdown: drop me now and do not re-dial me. */
    record Bye(String reason) implements Message {
        public MsgType type() {
            return MsgType.BYE;
        }
    }

    /**
     * Sent instead of a hello when a handshake is refused, just before closing. {@code reason} is
     * one of {@link RejectReason}'s labels; {@code nodeId} is the refusing node's id (so a dialer
     * refused as a duplicate knows which peer it already has), null when not sent. A node refusing
     * because it is full lists some of its peers in {@code peers}, so the dialer can go there instead.
     */
    record Reject(String reason, String detail, String nodeId, List<AddrEntry> peers) implements Message {

        public Reject(String reason, String detail, String nodeId) {
            this(reason, detail, nodeId, List.of());
        }

        public MsgType type() {
            return MsgType.REJECT;
        }
    }

    /** A message with a {@code msgtype} this node does not know; counted and ignored. */
    record Unknown(String msgtype) implements Message {
        public MsgType type() {
            return MsgType.UNKNOWN;
        }
    }
}
