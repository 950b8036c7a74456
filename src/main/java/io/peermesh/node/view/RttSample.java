package io.peermesh.node.view;

/**
 * One round trip to a peer, as {@code GET /peers/{nodeid}/rtt} lists it.
 *
 * @param at        when its pong was read, ISO-8601 (the node's wall clock)
 * @param rttMillis the round trip in milliseconds, to the microsecond
 */
public record RttSample(String at, double rttMillis) {}
