package org.kmipappliance.kmip.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import org.kmipappliance.hsm.pki.TlsPolicy;
import org.kmipappliance.kmip.server.KmipServerConfig.TlsEngine;

/**
 * The KMIP listener's TLS for any server identity: the implementation chosen once at start, the protocols and
 * suites of {@link TlsPolicy}, and client certificates checked by {@link PinnedClientTrustManager}.
 */
final class ServerTls {
    private static final System.Logger LOG = System.getLogger(ServerTls.class.getName());

    private final SslProvider provider;
    private final PinnedClientTrustManager pinning;

    ServerTls(TlsEngine engine, PinnedClientTrustManager pinning) {
        this.pinning = pinning;
        if (engine == TlsEngine.BORINGSSL && !OpenSsl.isAvailable()) {
            Throwable why = OpenSsl.unavailabilityCause();
            LOG.log(System.Logger.Level.WARNING, "BoringSSL could not load ({0}); the KMIP listener serves TLS with "
                    + "the JDK''s, at about three times the CPU per handshake. If the temporary directory is mounted "
                    + "noexec, point -Dio.netty.native.workdir at one that is not; to choose the JDK''s on purpose, "
                    + "set kmip.tls-engine: jdk", why == null ? "no library for this platform" : why.getMessage());
        }
        this.provider = engine == TlsEngine.BORINGSSL && OpenSsl.isAvailable() ? SslProvider.OPENSSL
                : SslProvider.JDK;
    }

    /** The implementation serving: what the start line and the tests report. */
    TlsEngine engine() {
        return provider == SslProvider.OPENSSL ? TlsEngine.BORINGSSL : TlsEngine.JDK;
    }

    SslContext context(PrivateKey key, List<X509Certificate> chain) {
        try {
            return SslContextBuilder.forServer(key, chain)
                    .sslProvider(provider)
                    .protocols(TlsPolicy.PROTOCOLS)
                    .ciphers(TlsPolicy.CIPHER_SUITES)
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(pinning)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for the KMIP listener: " + e.getMessage(), e);
        }
    }
}
