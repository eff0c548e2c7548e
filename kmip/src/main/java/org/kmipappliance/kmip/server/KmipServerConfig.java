package org.kmipappliance.kmip.server;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * How the KMIP listener runs.
 *
 * @param host              address to bind (loopback in tests)
 * @param port              5696 is KMIP's port; 0 picks a free one
 * @param serverKey         the TLS server key
 * @param serverChain       the server certificate first, then its issuers
 * @param handshakeTimeout  a client that has not finished TLS by then is dropped, so half-open handshakes cannot
 *                          pile up
 * @param idleTimeout       a connection that sends nothing for this long is closed
 * @param maxConnections    connections beyond this are closed at once, with a log line
 */
public record KmipServerConfig(String host, int port, PrivateKey serverKey, List<X509Certificate> serverChain,
                               Duration handshakeTimeout, Duration idleTimeout, int maxConnections) {
    public static final int DEFAULT_PORT = 5696;

    public KmipServerConfig {
        serverChain = List.copyOf(serverChain);
    }

    public static KmipServerConfig defaults(String host, int port, PrivateKey serverKey,
                                            List<X509Certificate> serverChain) {
        return new KmipServerConfig(host, port, serverKey, serverChain, Duration.ofSeconds(10),
                Duration.ofMinutes(5), 1_000);
    }

    @Override
    public String toString() {
        return "KmipServerConfig[" + host + ":" + port + ", handshake " + handshakeTimeout + ", idle " + idleTimeout
                + ", max " + maxConnections + " connections, server key redacted]";
    }
}
