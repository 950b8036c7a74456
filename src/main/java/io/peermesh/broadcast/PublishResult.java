package io.peermesh.broadcast;

/** What became of a publication: its id, or why it was refused (nothing was sent then). */
public sealed interface PublishResult {

    record Published(String id) implements PublishResult {
    }

    record Refused(Reason reason, String message) implements PublishResult {
    }

    enum Reason {
        /** Over p2p.broadcast.publish-rate: try again later (HTTP 429). */
        RATE,
        /** Over p2p.broadcast.max-payload-bytes (HTTP 413). */
        PAYLOAD_SIZE,
        /** The topic breaks the topic rule (HTTP 400). */
        TOPIC,
        /** The node is stopping or not started (HTTP 503). */
        NOT_RUNNING
    }
}
