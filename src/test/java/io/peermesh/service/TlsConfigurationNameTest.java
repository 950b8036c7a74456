package io.peermesh.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.node.config.PeerTls;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How p2p.tls.configuration-name is turned into the core's PeerTls, and what a bad one says. Plain JUnit. */
class TlsConfigurationNameTest {

    private static final KeyCertOptions KEY = new PemKeyCertOptions().setCertPath("c.crt").setKeyPath("c.key");
    private static final TrustOptions CA = new PemTrustOptions().addCertPath("ca.crt");

    /** A TLS configuration with only what peerTls reads. */
    private static TlsConfiguration tls(KeyCertOptions key, TrustOptions trust, boolean trustAll) {
        return (TlsConfiguration) Proxy.newProxyInstance(TlsConfiguration.class.getClassLoader(),
                new Class<?>[] {TlsConfiguration.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getKeyStoreOptions" -> key;
                    case "getTrustStoreOptions" -> trust;
                    case "isTrustAll" -> trustAll;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static TlsConfigurationRegistry registry(Map<String, TlsConfiguration> named) {
        return new TlsConfigurationRegistry() {
            @Override public Optional<TlsConfiguration> get(String name) { return Optional.ofNullable(named.get(name)); }
            @Override public Optional<TlsConfiguration> getDefault() { return Optional.empty(); }
            @Override public void register(String name, TlsConfiguration configuration) { }
        };
    }

    private static String problem(Optional<String> name, TlsConfigurationRegistry registry) {
        List<String> problems = new ArrayList<>();
        assertNull(NodeConfigFactory.peerTls(name, registry, problems));
        assertEquals(1, problems.size(), problems::toString);
        return problems.get(0);
    }

    @Test
    void unsetOrBlankMeansPlainTcp() {
        List<String> problems = new ArrayList<>();
        assertNull(NodeConfigFactory.peerTls(Optional.empty(), registry(Map.of()), problems));
        assertNull(NodeConfigFactory.peerTls(Optional.of("  "), registry(Map.of()), problems));
        assertTrue(problems.isEmpty(), problems::toString);
    }

    @Test
    void aConfiguredNameGivesItsKeyStoreAndTrustStore() {
        List<String> problems = new ArrayList<>();
        PeerTls t = NodeConfigFactory.peerTls(Optional.of("peer"), registry(Map.of("peer", tls(KEY, CA, false))), problems);
        assertTrue(problems.isEmpty(), problems::toString);
        assertNotNull(t);
        assertSame(KEY, t.keyCert());
        assertSame(CA, t.trust());
    }

    @Test
    void anUnknownNameSaysWhichKeysToSet() {
        String p = problem(Optional.of("peer"), registry(Map.of()));
        assertTrue(p.contains("p2p.tls.configuration-name is 'peer'"), p);
        assertTrue(p.contains("quarkus.tls.peer.key-store.pem.0.cert"), p);
        assertTrue(p.contains("quarkus.tls.peer.key-store.pem.0.key"), p);
        assertTrue(p.contains("quarkus.tls.peer.trust-store.pem.certs"), p);
        assertTrue(p.contains("QUARKUS_TLS_PEER_TRUST_STORE_PEM_CERTS"), p);
    }

    @Test
    void aConfigurationWithoutKeyStoreOrTrustStoreOrTrustingAllIsRefused() {
        assertTrue(problem(Optional.of("peer"), registry(Map.of("peer", tls(null, CA, false))))
                .contains("no key store: set quarkus.tls.peer.key-store.pem.0.cert"));
        assertTrue(problem(Optional.of("peer"), registry(Map.of("peer", tls(KEY, null, false))))
                .contains("no trust store: set quarkus.tls.peer.trust-store.pem.certs"));
        assertTrue(problem(Optional.of("peer"), registry(Map.of("peer", tls(KEY, null, true))))
                .contains("trusts all certificates (quarkus.tls.peer.trust-all)"));
    }
}
