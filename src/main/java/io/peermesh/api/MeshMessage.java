package io.peermesh.api;

import io.peermesh.broadcast.Delivery;
import java.time.Instant;

/**
 * A broadcast as the application receives it. {@code payload} is the JSON value as published,
 * verbatim (parse it with the application's own mapper); {@code sentAt} is the publisher's clock.
 */
public record MeshMessage(String id, String origin, long seq, String topic, String payload, Instant sentAt,
                          Instant receivedAt) {

    static MeshMessage of(Delivery d) {
        return new MeshMessage(d.id(), d.origin(), d.seq(), d.topic(), d.payload(), Instant.ofEpochMilli(d.sentMillis()),
                Instant.ofEpochMilli(d.receivedMillis()));
    }
}
