package org.kmipappliance.rest;

import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.kmipappliance.hsm.KeyCustody;

/** The HTTPS listener of the REST tier. */
public final class RestServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 8443;
    /** REST connections open at once when the configuration does not say (rest.max-connections). */
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;

    private final WebServer server;
    private final Routes routes;

    private RestServer(WebServer server, Routes routes) {
        this.server = server;
        this.routes = routes;
    }

    public static RestServer start(String host, int port, PrivateKey key, List<X509Certificate> chain,
                                   KeyCustody custody) {
        return start(host, port, DEFAULT_MAX_CONNECTIONS, key, chain, custody, HealthChecks.none());
    }

    /**
     * The listener, keeping at most {@code maxConnections} open, with health checks beyond custody's own (the KMIP
     * listener). Fails, with what to do, when the address cannot be bound.
     */
    public static RestServer start(String host, int port, int maxConnections, PrivateKey key,
                                   List<X509Certificate> chain, KeyCustody custody,
                                   HealthChecks health) {
        refuseUnbindableAddress(host, port);
        AtomicReference<Routes> routes = new AtomicReference<>();
        WebServer server;
        try {
            server = WebServer.builder()
                .host(host)
                .port(port)
                .maxTcpConnections(maxConnections)
                .maxPayloadSize(Json.MAX_BODY_BYTES * 4L)
                .directHandlers(handlers -> {
                    for (io.helidon.http.DirectHandler.EventType event
                            : io.helidon.http.DirectHandler.EventType.values()) {
                        handlers.addHandler(event, ErrorEnvelope.transportErrors());
                    }
                })
                .tls(tls(key, chain))
                .routing(routing -> routes.set(KeyProtectApi.routes(routing, custody, health)))
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
        return new RestServer(server, routes.get());
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

    private static Tls tls(PrivateKey key, List<X509Certificate> chain) {
        return Tls.builder().privateKey(key).privateKeyCertChain(chain).enabledProtocols(List.of("TLSv1.3",
                "TLSv1.2")).build();
    }

    /**
     * Presents {@code chain} and its {@code key} to every connection from now on (a renewed or replaced
     * certificate); connections already open keep theirs.
     */
    public void replaceIdentity(PrivateKey key, List<X509Certificate> chain) {
        server.reloadTls(tls(key, chain));
    }

    public int port() {
        return server.port();
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
