package org.kmipappliance.rest;

import io.helidon.webserver.WebServer;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.kmipappliance.hsm.KeyCustody;

/** The HTTPS listener of the REST tier. */
public final class RestServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 8443;

    private final WebServer server;

    private RestServer(WebServer server) {
        this.server = server;
    }

    public static RestServer start(String host, int port, PrivateKey key, List<X509Certificate> chain,
                                   KeyCustody custody) {
        return start(host, port, key, chain, custody, Map::of);
    }

    /** The listener, with health checks beyond custody's own (the KMIP listener). */
    public static RestServer start(String host, int port, PrivateKey key, List<X509Certificate> chain,
                                   KeyCustody custody,
                                   Supplier<Map<String, Boolean>> otherHealthChecks) {
        WebServer server;
        try {
            server = WebServer.builder()
                .host(host)
                .port(port)
                .maxPayloadSize(Json.MAX_BODY_BYTES * 4L)
                .directHandlers(handlers -> {
                    for (io.helidon.http.DirectHandler.EventType event
                            : io.helidon.http.DirectHandler.EventType.values()) {
                        handlers.addHandler(event, ErrorEnvelope.transportErrors());
                    }
                })
                .tls(tls -> tls.privateKey(key).privateKeyCertChain(chain).enabledProtocols(List.of("TLSv1.3",
                        "TLSv1.2")))
                .routing(routing -> KeyProtectApi.routing(routing, custody, otherHealthChecks))
                .build()
                .start();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot listen for REST on " + host + ":" + port + ": " + e.getMessage()
                    + "; stop whatever uses that port or set rest.port", e);
        }
        return new RestServer(server);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
