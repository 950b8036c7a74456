package io.peermesh.vertx;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.peermesh.node.config.PeerTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * Mutual TLS on the peer port ({@link PeerTls}), the Vert.x side: server and client options, the
 * switch of each inbound connection to TLS before a byte of it is read ({@link VertxLink}), and the
 * classification of TLS failures. Counting and logging a refused handshake is the core's
 * ({@code MeshNode#tlsRefused}).
 *
 * <p>Inbound: the server holds the TLS settings (client certificate required, the mesh CA as the
 * only trust) and each accepted connection is switched to TLS at once. Vert.x's {@code ssl=true}
 * would do the handshake before handing the socket over, and report a failure without the remote
 * address; this way the connection is the node's from the start, so a failure names the remote
 * address, and the inbound caps and {@code p2p.handshake-timeout} cover the TLS handshake too. A
 * failed handshake (plain text, no certificate, a certificate from another CA, or the peer
 * distrusting ours) is a {@code TLS_INBOUND} link failure: no hello is ever read from it.
 *
 * <p>Outbound: the client is TLS from the connect; a handshake failure fails the dial, and
 * {@link #failure} turns it into the reason readiness shows ("TLS handshake with ... failed:
 * certificate not trusted ...").
 *
 * <p>Host names are not verified: peers are dialled by pod IP, and the identity checked is "holds a
 * certificate issued by the mesh CA".
 */
public final class TlsGate {

    /** TLS alerts a peer sends when it does not accept the certificate it was shown. */
    private static final Set<String> CERTIFICATE_ALERTS = Set.of("bad_certificate", "certificate_unknown",
            "unknown_ca", "certificate_required", "certificate_expired", "certificate_revoked",
            "unsupported_certificate", "access_denied");
    private static final String[] KEY_TYPES = {"EC", "RSA", "RSASSA-PSS", "EdDSA", "Ed25519", "Ed448", "DSA"};

    private final PeerTls tls;
    private final PeerTls.Info info;

    /**
     * Loads the certificate, key and CA once to check them and describe them, and initialises the
     * TLS classes (a one-time cost of up to seconds on a busy machine, which would otherwise fall on
     * the event loop at the first connection). Blocking: call it on a worker thread.
     *
     * @throws IllegalStateException when the certificate, key or CA cannot be used, saying why
     */
    public TlsGate(PeerTls tls, Vertx vertx) {
        this.tls = tls;
        KeyManagerFactory keys;
        TrustManagerFactory trust;
        try {
            keys = tls.keyCert().getKeyManagerFactory(vertx);
        } catch (Exception e) {
            throw new IllegalStateException("cannot load this node's TLS certificate and key: " + e.getMessage(), e);
        }
        try {
            trust = tls.trust().getTrustManagerFactory(vertx);
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the mesh CA (TLS trust): " + e.getMessage(), e);
        }
        try {
            SslContextBuilder.forServer(keys).trustManager(trust).sslProvider(SslProvider.JDK).build();
            SslContextBuilder.forClient().keyManager(keys).trustManager(trust).sslProvider(SslProvider.JDK).build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up TLS with this node's certificate, key and CA: " + e.getMessage(), e);
        }
        this.info = describe(keys, trust);
    }

    /** Server side: this node's certificate, the mesh CA, client certificates required. */
    NetServerOptions configure(NetServerOptions options, Duration handshakeTimeout) {
        options.setKeyCertOptions(tls.keyCert());
        options.setTrustOptions(tls.trust());
        options.setClientAuth(ClientAuth.REQUIRED);
        options.setSslHandshakeTimeout(handshakeTimeout.toMillis());
        options.setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        // ssl stays false: each accepted connection is upgraded at once by secureInbound.
        return options;
    }

    /** Client side: TLS from the connect, this node's certificate as client certificate, no host name check. */
    NetClientOptions configure(NetClientOptions options, Duration handshakeTimeout) {
        options.setSsl(true);
        options.setKeyCertOptions(tls.keyCert());
        options.setTrustOptions(tls.trust());
        options.setHostnameVerificationAlgorithm("");
        options.setSslHandshakeTimeout(handshakeTimeout.toMillis());
        options.setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        return options;
    }

    public PeerTls.Info info() {
        return info;
    }

    /**
     * Why a TLS handshake failed, in a few words for logs and readiness; null when {@code e} is not
     * a TLS failure. Never includes what the peer sent.
     */
    public static String failure(Throwable e) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof NotSslRecordException) {
                return "not TLS (a plain-text peer)";
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "timed out (p2p.handshake-timeout)";
            }
            if (t instanceof CertificateExpiredException) {
                return "certificate expired";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate not yet valid";
            }
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return "certificate not trusted (not issued by the mesh CA)";
            }
        }
        boolean tls = false;
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof SSLException) {
                tls = true;
                String m = String.valueOf(t.getMessage());
                if (m.startsWith("Received fatal alert: ")) {
                    String alert = m.substring("Received fatal alert: ".length()).trim();
                    return CERTIFICATE_ALERTS.contains(alert)
                            ? "the peer refused this node's certificate (alert " + alert + ")"
                            : "the peer ended the handshake (alert " + alert + ")";
                }
                if (m.contains("Empty client certificate chain") || m.contains("certificate_required")) {
                    return "no certificate from the mesh CA presented";
                }
                if (m.contains("PKIX")) {
                    return "certificate not trusted (not issued by the mesh CA)";
                }
            } else if (tls && t instanceof ClosedChannelException) {
                return "the peer closed the connection during the handshake (a plain-text peer, or it refused this"
                        + " node's certificate)";
            }
        }
        return tls ? "TLS error (" + e.getClass().getSimpleName() + ")" : null;
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }

    /** The certificate this node presents and the CAs it trusts, for /node: names and dates only. */
    private static PeerTls.Info describe(KeyManagerFactory keys, TrustManagerFactory trust) {
        X509Certificate own = null;
        for (KeyManager km : keys.getKeyManagers()) {
            if (own == null && km instanceof X509KeyManager x) {
                own = firstCertificate(x);
            }
        }
        List<String> cas = new ArrayList<>();
        for (TrustManager tm : trust.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate ca : x.getAcceptedIssuers()) {
                    cas.add(ca.getSubjectX500Principal().getName(X500Principal.RFC2253));
                }
            }
        }
        return own == null
                ? new PeerTls.Info(null, null, null, List.copyOf(cas))
                : new PeerTls.Info(own.getSubjectX500Principal().getName(X500Principal.RFC2253),
                        own.getIssuerX500Principal().getName(X500Principal.RFC2253),
                        own.getNotAfter().toInstant().toString(), List.copyOf(cas));
    }

    private static X509Certificate firstCertificate(X509KeyManager km) {
        for (String type : KEY_TYPES) {
            String[] aliases = km.getServerAliases(type, null);
            if (aliases != null) {
                for (String alias : aliases) {
                    X509Certificate[] chain = km.getCertificateChain(alias);
                    if (chain != null && chain.length > 0) {
                        return chain[0];
                    }
                }
            }
        }
        return null;
    }
}
