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
 * @param firstByteTimeout  a connection that has sent nothing by then is dropped: far shorter than the handshake
 *                          timeout, as a TLS client speaks first
 * @param frameTimeout      a request message must arrive whole within this of its first byte
 * @param idleTimeout       a connection that sends nothing for this long is closed
 * @param maxConnections    connections open at once; beyond it the oldest still in its handshake is dropped to make
 *                          room, or, when all have finished theirs, the newcomer is refused
 * @param maxConnectionsPerSource the same, for the connections of one source address
 * @param tlsEngine         whose TLS implementation serves the listener
 */
public record KmipServerConfig(String host, int port, PrivateKey serverKey, List<X509Certificate> serverChain,
                               Duration handshakeTimeout, Duration firstByteTimeout, Duration frameTimeout,
                               Duration idleTimeout, int maxConnections, int maxConnectionsPerSource,
                               TlsEngine tlsEngine) {
    /**
     * BoringSSL (netty-tcnative, bundled for Linux on x86-64 and aarch64) spends a third of the JDK's CPU on a
     * handshake, and vCenter reconnects often; where its library cannot load, the listener says why and serves with
     * the JDK's. {@code JDK} is for sites whose policy allows only the JDK's providers (a FIPS-configured JDK, say).
     * Both speak the same protocols and suites ({@code TlsPolicy}) and check client certificates the same way.
     */
    public enum TlsEngine { BORINGSSL, JDK }

    public static final int DEFAULT_PORT = 5696;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** vCenter and PyKMIP send their ClientHello within milliseconds of connecting; 3 s allows for a slow WAN. */
    public static final Duration DEFAULT_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(3);
    /** Our requests are a few hundred bytes; 30 s is generous for any network that can carry KMIP at all. */
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_CONNECTIONS = 1_000;
    /** vCenter keeps a few connections per node; 100 leaves room for clients behind one NAT address. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 100;

    public KmipServerConfig {
        serverChain = List.copyOf(serverChain);
    }

    public static KmipServerConfig defaults(String host, int port, PrivateKey serverKey,
                                            List<X509Certificate> serverChain) {
        return new KmipServerConfig(host, port, serverKey, serverChain, DEFAULT_HANDSHAKE_TIMEOUT,
                DEFAULT_FIRST_BYTE_TIMEOUT, DEFAULT_FRAME_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_MAX_CONNECTIONS_PER_SOURCE, TlsEngine.BORINGSSL);
    }

    /** These settings with other connection limits. */
    public KmipServerConfig withLimits(int total, int perSource) {
        return new KmipServerConfig(host, port, serverKey, serverChain, handshakeTimeout, firstByteTimeout,
                frameTimeout, idleTimeout, total, perSource, tlsEngine);
    }

    /** These settings with other timeouts. */
    public KmipServerConfig withTimeouts(Duration handshake, Duration firstByte, Duration frame, Duration idle) {
        return new KmipServerConfig(host, port, serverKey, serverChain, handshake, firstByte, frame, idle,
                maxConnections, maxConnectionsPerSource, tlsEngine);
    }

    /** These settings with another TLS implementation. */
    public KmipServerConfig withTlsEngine(TlsEngine engine) {
        return new KmipServerConfig(host, port, serverKey, serverChain, handshakeTimeout, firstByteTimeout,
                frameTimeout, idleTimeout, maxConnections, maxConnectionsPerSource, engine);
    }

    @Override
    public String toString() {
        return "KmipServerConfig[" + host + ":" + port + ", handshake " + handshakeTimeout + ", first byte "
                + firstByteTimeout + ", frame " + frameTimeout + ", idle " + idleTimeout + ", max " + maxConnections
                + " connections, " + maxConnectionsPerSource + " per source, TLS by " + tlsEngine
                + ", server key redacted]";
    }
}
