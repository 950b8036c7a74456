package io.peermesh.node.view;

import io.peermesh.node.config.PeerTls;

/**
 * This node as {@code GET /node} shows it. {@code tls}: mutual TLS on the peer port;
 * {@code tlsCertificate}: the names and expiry of its certificate and trusted CAs (null without TLS).
 */
public record NodeView(
        String nodeid,
        String listen,
        String bind,
        String network,
        int protocolVersion,
        int peers,
        int minPeers,
        boolean ready,
        String startedAt,
        boolean tls,
        PeerTls.Info tlsCertificate) {
}
