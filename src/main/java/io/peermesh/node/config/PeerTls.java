package io.peermesh.node.config;

import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.util.Objects;

/**
 * Mutual TLS on the peer port ({@link NodeConfig#tls()}; null there means plain TCP). Every node of
 * the mesh holds a certificate issued by the mesh CA and trusts only that CA: a connection
 * completes its TLS handshake only when both ends present such a certificate, before any hello.
 * Host names are not verified: peers are dialled by IP, and "has a certificate from the mesh CA"
 * is the identity (see README, "Mutual TLS").
 *
 * @param keyCert this node's certificate chain and private key (server and client certificate)
 * @param trust   the mesh CA: the only issuer whose certificates are accepted, both ways
 */
public record PeerTls(KeyCertOptions keyCert, TrustOptions trust) {

    public PeerTls {
        Objects.requireNonNull(keyCert, "keyCert (this node's certificate and key)");
        Objects.requireNonNull(trust, "trust (the mesh CA)");
    }

    /** PEM files: this node's certificate (chain), its private key, and the mesh CA's certificate. */
    public static PeerTls pem(String certPath, String keyPath, String caPath) {
        return new PeerTls(new PemKeyCertOptions().setCertPath(certPath).setKeyPath(keyPath),
                new PemTrustOptions().addCertPath(caPath));
    }

    /**
     * What {@code GET /node} shows of the TLS setup: names and dates, never keys or file contents.
     *
     * @param subject    subject of the certificate this node presents (null if it cannot be read)
     * @param issuer     its issuer: the mesh CA
     * @param notAfter   its expiry, ISO-8601
     * @param trustedCas subjects of the CAs whose certificates this node accepts
     */
    public record Info(String subject, String issuer, String notAfter, java.util.List<String> trustedCas) {
    }

    /** Never the options themselves: they may hold key material or paths. */
    @Override
    public String toString() {
        return "PeerTls[mutual]";
    }
}
