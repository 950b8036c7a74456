package io.peermesh.discovery;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.peermesh.wire.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves a headless Service's name by asking the name servers directly, every time.
 *
 * <p>Why not {@code InetAddress}: the JVM caches answers for 30 s and failures for 10 s, and
 * reports NXDOMAIN and a dead server alike as UnknownHostException. Why not Vert.x's DnsClient:
 * it sends no EDNS0 and has no TCP fallback, so a Service with more than ~28 pods gets a silently
 * truncated answer over 512-byte UDP. This class sends raw queries through Netty's resolver with
 * no cache, EDNS0 (4096-byte answers) and TCP fallback on truncation, applies resolv.conf's search
 * list and ndots itself, and tells NXDOMAIN/no-data (empty) from timeouts and server errors (failed).
 *
 * <p>Threading: queries run on one Netty event loop; results complete on the caller's context.
 */
public final class DnsResolver implements AddressResolver {

    private final Vertx vertx;
    private final ResolvConf conf;
    private final DnsNameResolver netty;
    private final List<InetSocketAddress> servers = new ArrayList<>();

    /**
     * @param servers name servers to ask, in order; when empty, those of {@code conf}
     */
    public DnsResolver(Vertx vertx, ResolvConf conf, List<HostPort> servers, Duration queryTimeout) {
        this.vertx = vertx;
        this.conf = conf;
        for (HostPort s : servers.isEmpty() ? conf.nameservers() : servers) {
            this.servers.add(new InetSocketAddress(s.host(), s.port()));
        }
        if (this.servers.isEmpty()) {
            throw new IllegalArgumentException("no DNS name server: resolv.conf lists none and p2p.discovery.dns-server is not set");
        }
        EventLoop loop = vertx.nettyEventLoopGroup().next();
        this.netty = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                .socketChannelType(NioSocketChannel.class, true) // retry over TCP when the UDP answer is truncated
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .queryTimeoutMillis(queryTimeout.toMillis())
                .maxPayloadSize(4096)
                .optResourceEnabled(true)
                .recursionDesired(true)
                .build();
    }

    @Override
    public Future<LookupResult> lookup(String name, int defaultPort) {
        Context caller = vertx.getOrCreateContext();
        Promise<LookupResult> done = Promise.promise();
        lookupCandidates(conf.candidates(name), 0, defaultPort, null, name).onComplete(ar ->
                caller.runOnContext(v -> done.complete(ar.succeeded() ? ar.result()
                        : LookupResult.failed("lookup of " + name + " failed: " + ar.cause()))));
        return done.future();
    }

    /** Tries the search-list candidates in order; the first with records wins. */
    private Future<LookupResult> lookupCandidates(List<String> names, int i, int port, String firstFailure, String asked) {
        if (i == names.size()) {
            return Future.succeededFuture(firstFailure != null ? LookupResult.failed(firstFailure)
                    : LookupResult.empty(asked + " has no A/AAAA records (tried " + String.join(", ", names) + ")"));
        }
        String candidate = names.get(i);
        return queryName(candidate, port).compose(r -> switch (r.status()) {
            case OK -> Future.succeededFuture(r);
            case EMPTY -> lookupCandidates(names, i + 1, port, firstFailure, asked);
            case FAILED -> lookupCandidates(names, i + 1, port, firstFailure == null ? r.detail() : firstFailure, asked);
        });
    }

    private Future<LookupResult> queryName(String fqdn, int port) {
        if (fqdn.startsWith("_")) {
            return querySrv(fqdn);
        }
        Future<Answer> a = ask(fqdn, DnsRecordType.A, 0);
        Future<Answer> aaaa = ask(fqdn, DnsRecordType.AAAA, 0);
        return Future.join(a, aaaa).transform(ignored -> {
            List<HostPort> found = new ArrayList<>();
            for (String ip : a.result().values()) {
                found.add(new HostPort(ip, port));
            }
            for (String ip : aaaa.result().values()) {
                found.add(new HostPort(ip, port));
            }
            if (!found.isEmpty()) {
                return Future.succeededFuture(LookupResult.ok(found, fqdn + ": " + found.size() + " address(es)"));
            }
            String failure = a.result().failure() != null ? a.result().failure() : aaaa.result().failure();
            return Future.succeededFuture(failure != null ? LookupResult.failed(failure) : LookupResult.empty(fqdn + ": no records"));
        });
    }

    private Future<LookupResult> querySrv(String fqdn) {
        return ask(fqdn, DnsRecordType.SRV, 0).compose(srv -> {
            if (srv.failure() != null) {
                return Future.succeededFuture(LookupResult.failed(srv.failure()));
            }
            List<Future<LookupResult>> targets = new ArrayList<>();
            for (String entry : srv.values()) {
                int space = entry.indexOf(' ');
                targets.add(queryName(entry.substring(space + 1), Integer.parseInt(entry.substring(0, space))));
            }
            return Future.join(new ArrayList<>(targets)).transform(ignored -> {
                Set<HostPort> found = new LinkedHashSet<>();
                for (Future<LookupResult> t : targets) {
                    found.addAll(t.result().addresses());
                }
                return Future.succeededFuture(LookupResult.ok(new ArrayList<>(found),
                        fqdn + ": " + srv.values().size() + " SRV target(s), " + found.size() + " address(es)"));
            });
        });
    }

    /** Values of one record type (IPs, or "port target" for SRV), or why the query failed. */
    private record Answer(List<String> values, String failure) {
    }

    /** One question to the name servers, moving to the next server when one fails. */
    private Future<Answer> ask(String fqdn, DnsRecordType type, int serverIndex) {
        InetSocketAddress server = servers.get(serverIndex);
        Promise<Answer> result = Promise.promise();
        netty.query(server, new DefaultDnsQuestion(fqdn, type)).addListener(f -> {
            Answer answer;
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                        (AddressedEnvelope<DnsResponse, InetSocketAddress>) f.getNow();
                try {
                    answer = read(envelope.content(), fqdn, type, server);
                } finally {
                    envelope.release();
                }
            } else {
                answer = new Answer(List.of(), "no answer from DNS server " + hostPort(server) + " for " + fqdn + ": "
                        + f.cause().getClass().getSimpleName());
            }
            result.complete(answer);
        });
        return result.future().compose(a -> a.failure() != null && serverIndex + 1 < servers.size()
                ? ask(fqdn, type, serverIndex + 1) : Future.succeededFuture(a));
    }

    private static Answer read(DnsResponse response, String fqdn, DnsRecordType type, InetSocketAddress server) {
        DnsResponseCode code = response.code();
        if (code == DnsResponseCode.NXDOMAIN) {
            return new Answer(List.of(), null);
        }
        if (code != DnsResponseCode.NOERROR) {
            return new Answer(List.of(), "DNS server " + hostPort(server) + " answered " + code.toString().trim() + " for " + fqdn);
        }
        List<String> values = new ArrayList<>();
        int count = response.count(DnsSection.ANSWER);
        for (int i = 0; i < count; i++) {
            DnsRecord record = response.recordAt(DnsSection.ANSWER, i);
            if (record.type() != type || !(record instanceof DnsRawRecord raw)) {
                continue; // CNAMEs are followed by the server; their targets' records come along
            }
            ByteBuf content = raw.content().duplicate();
            if (type == DnsRecordType.SRV) {
                content.skipBytes(4); // priority, weight
                int port = content.readUnsignedShort();
                String target = DefaultDnsRecordDecoder.decodeName(content);
                values.add(port + " " + target);
            } else {
                byte[] ip = new byte[content.readableBytes()];
                content.readBytes(ip);
                try {
                    values.add(InetAddress.getByAddress(ip).getHostAddress());
                } catch (UnknownHostException e) {
                    // wrong length: a malformed record is skipped
                }
            }
        }
        return new Answer(values, null);
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    @Override
    public Future<Void> close() {
        netty.close();
        return Future.succeededFuture();
    }
}
