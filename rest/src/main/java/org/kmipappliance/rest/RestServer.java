package org.kmipappliance.rest;

import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.pki.TlsPolicy;
import org.kmipappliance.hsm.system.ListenerProbe;

/** The HTTPS listener of the REST tier. */
public final class RestServer implements AutoCloseable {
    private final WebServer server;
    private final Routes routes;
    private final RestServerConfig config;
    /** The port bound at start: Helidon answers -1 once it considers itself stopped. */
    private final int boundPort;

    private RestServer(WebServer server, Routes routes, RestServerConfig config) {
        this.server = server;
        this.routes = routes;
        this.config = config;
        this.boundPort = server.port();
    }

    /** The listener on its defaults, with custody's own health checks only. */
    public static RestServer start(String host, int port, PrivateKey key, List<X509Certificate> chain,
                                   KeyCustody custody, KmipOnboarding onboarding) {
        return start(RestServerConfig.defaults(host, port), key, chain, custody, HealthChecks.none(), onboarding);
    }

    /**
     * The listener, with health checks beyond custody's own (the KMIP listener). Fails, with what to do, when the
     * address cannot be bound.
     */
    public static RestServer start(RestServerConfig config, PrivateKey key, List<X509Certificate> chain,
                                   KeyCustody custody, HealthChecks health, KmipOnboarding onboarding) {
        String host = config.host();
        int port = config.port();
        refuseUnbindableAddress(host, port);
        AtomicReference<Routes> routes = new AtomicReference<>();
        WebServer server;
        try {
            server = WebServer.builder()
                .host(host)
                .port(port)
                .backlog(1024)
                .maxTcpConnections(config.maxConnections())
                // Blocking sockets: their read timeout (set by ServerTlsContext) is what bounds a silent client, and
                // a kept-alive one between requests, sooner than Helidon's own idle check would.
                .useNio(false)
                .maxPayloadSize(Json.MAX_BODY_BYTES * 4L)
                .directHandlers(handlers -> {
                    for (io.helidon.http.DirectHandler.EventType event
                            : io.helidon.http.DirectHandler.EventType.values()) {
                        handlers.addHandler(event, ErrorEnvelope.transportErrors());
                    }
                })
                .tls(tls(key, chain, config.readTimeout()))
                .routing(routing -> routes.set(KeyProtectApi.routes(routing, custody, health,
                        config.metricsAccess(), onboarding)))
                .build()
                .start();
        } catch (RuntimeException e) {
            throw cannotListen(host, port, e.getMessage(), e);
        }
        // Helidon reports a failed bind in its log and carries on without the listener (port -1): the address was
        // taken between the check above and here.
        if (server.port() < 0) {
            server.stop();
            throw cannotListen(host, port, "address already in use", null);
        }
        return new RestServer(server, routes.get(), config);
    }

    /**
     * Binds the address once, as the listener will, so that a port in use stops the start with one line of ours
     * rather than Helidon's SEVERE log record and a server without its listener.
     */
    private static void refuseUnbindableAddress(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw cannotListen(host, port, String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT), e);
        }
    }

    private static IllegalStateException cannotListen(String host, int port, String why, Throwable cause) {
        return new IllegalStateException("cannot listen for REST on " + host + ":" + port + ": " + why
                + "; stop whatever uses that port or set rest.port", cause);
    }

    private static Tls tls(PrivateKey key, List<X509Certificate> chain, Duration readTimeout) {
        return Tls.builder().sslContext(ServerTlsContext.create(key, chain, readTimeout))
                .enabledProtocols(TlsPolicy.PROTOCOLS).enabledCipherSuites(TlsPolicy.CIPHER_SUITES).build();
    }

    /**
     * Presents {@code chain} and its {@code key} to every connection from now on (a renewed or replaced
     * certificate); connections already open keep theirs.
     */
    public void replaceIdentity(PrivateKey key, List<X509Certificate> chain) {
        server.reloadTls(tls(key, chain, config.readTimeout()));
    }

    public int port() {
        return server.port();
    }

    /**
     * Whether the listener still accepts connections, tried with one: Helidon keeps reporting its port after its
     * accept loop has ended (on running out of file descriptors, say).
     */
    public boolean isAccepting() {
        return ListenerProbe.accepts(config.host(), boundPort);
    }

    /** Every route served. */
    Routes routes() {
        return routes;
    }

    @Override
    public void close() {
        server.stop();
    }
}
