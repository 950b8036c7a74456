package io.peermesh.broadcast;

/**
 * A broadcast as it is delivered to the application: {@code origin} published it as its
 * {@code seq}-th message at {@code sentMillis} (its wall clock); {@code payload} is the JSON
 * value, verbatim; {@code receivedMillis} is this node's wall clock at delivery.
 */
public record Delivery(String origin, long seq, String topic, String payload, long sentMillis, long receivedMillis) {

    /** The message id: {@code <origin>:<seq>}, the same on every member. */
    public String id() {
        return origin + ":" + seq;
    }
}
