package org.kmipappliance.hsm.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** What a listener's TLS must refuse, tried as a client would: weak offers and renegotiation. */
public final class TlsProbes {
    /** Each offer: a protocol, then the only suites the client proposes. */
    private static final List<List<String>> WEAK_OFFERS = List.of(
            List.of("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
            List.of("TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
            List.of("TLSv1.1", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));

    private TlsProbes() {
    }

    /** CBC suites, static-RSA key exchange and TLS 1.1 each fail the handshake on {@code port}. */
    public static void assertWeakOffersRefused(SSLSocketFactory client, int port) throws IOException {
        for (List<String> offer : WEAK_OFFERS) {
            try (SSLSocket weak = (SSLSocket) client.createSocket("localhost", port)) {
                weak.setSoTimeout(10_000);
                weak.setEnabledProtocols(new String[] {offer.getFirst()});
                weak.setEnabledCipherSuites(offer.subList(1, offer.size()).toArray(String[]::new));
                assertThrows(SSLException.class, weak::startHandshake, String.join(" ", offer));
            }
        }
    }

    /**
     * A TLS 1.2 session on {@code port} cannot be renegotiated: after a second handshake, {@code request} gets no
     * answer.
     */
    public static void assertRenegotiationRefused(SSLSocketFactory client, int port, byte[] request)
            throws IOException {
        try (SSLSocket tls12 = (SSLSocket) client.createSocket("localhost", port)) {
            tls12.setSoTimeout(10_000);
            tls12.setEnabledProtocols(new String[] {"TLSv1.2"});
            tls12.startHandshake();
            assertThrows(IOException.class, () -> {
                tls12.startHandshake(); // renegotiates
                tls12.getOutputStream().write(request);
                tls12.getOutputStream().flush();
                if (tls12.getInputStream().read() < 0) {
                    throw new IOException("closed by the server");
                }
            });
        }
    }
}
