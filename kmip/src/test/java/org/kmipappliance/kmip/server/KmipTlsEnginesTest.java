package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TlsProbes;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.server.KmipServerConfig.TlsEngine;

/**
 * The listener behaves the same on either TLS implementation (BoringSSL by default, the JDK's by configuration or
 * when BoringSSL cannot load): it serves registered clients, refuses weak offers and renegotiation, and counts each
 * kind of failed handshake under the same reason, whichever library words the error.
 */
class KmipTlsEnginesTest {
    private static final String FAILED = "kmip_appliance_kmip_handshakes_failed_total{reason=\"";

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void eachEngine_servesAndRefusesAlike(TlsEngine engine) throws Exception {
        try (KmipTestServer fixture = new KmipTestServer("tls-" + engine.name().toLowerCase(Locale.ROOT),
                config -> config.withTlsEngine(engine))) {
            assertEquals(engine, fixture.server.tlsEngine(), "the engine asked for is the one serving");
            SSLContext registered = fixture.clientOfNewAdapter();
            try (KmipClient client = fixture.connect(registered, ProtocolVersion.V1_4)) {
                String id = client.createAesKey(256, 12);
                assertEquals(32, client.getKeyMaterial(id).length);
            }
            TlsProbes.assertWeakOffersRefused(registered.getSocketFactory(), fixture.server.port());
            TlsProbes.assertRenegotiationRefused(registered.getSocketFactory(), fixture.server.port(), new byte[8]);

            // What the client reads names the problem (BoringSSL would say internal_error if not told which).
            String unregistered = assertRefusedAndCounted(fixture, "unregistered_certificate", TlsContexts.create(
                    TestCertificates.client("stranger"), TestCertificates.authority().certificate()));
            assertTrue(unregistered.contains(engine == TlsEngine.BORINGSSL ? "bad_certificate" : "certificate_unknown"),
                    unregistered);
            CertificateAuthority.Issued expiredCertificate = TestCertificates.authority().issueClient("expired",
                    Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));
            String expired = assertRefusedAndCounted(fixture, "expired_certificate",
                    TlsContexts.create(expiredCertificate, TestCertificates.authority().certificate()));
            assertTrue(expired.contains(engine == TlsEngine.BORINGSSL ? "certificate_expired" : "certificate_unknown"),
                    expired);
            assertRefusedAndCounted(fixture, "no_certificate",
                    TlsContexts.create(null, TestCertificates.authority().certificate()));
            // A client that does not trust the appliance's certificate, as vCenter before it is given the CA.
            CertificateAuthority otherCa = CertificateAuthority.create("not the appliance's CA", Duration.ofDays(1));
            assertRefusedAndCounted(fixture, "client_rejected_server_certificate",
                    TlsContexts.create(TestCertificates.client("distrusting"), otherCa.certificate()));

            try (KmipClient client = fixture.connect(registered, ProtocolVersion.V1_1)) {
                assertEquals(List.of(ProtocolVersion.V1_1), client.discoverVersions(List.of(ProtocolVersion.V1_1)),
                        "still serving");
            }
        }
    }

    /** The client's handshake fails, the server counts it under {@code reason}; the alert the client read. */
    private static String assertRefusedAndCounted(KmipTestServer fixture, String reason, SSLContext tls)
            throws InterruptedException {
        String series = FAILED + reason + "\"}";
        double before = fixture.metrics().valueOrZero(series);
        IOException refused = assertThrows(IOException.class, () -> {
            try (KmipClient client = fixture.connect(tls, ProtocolVersion.V1_4)) {
                client.discoverVersions(List.of());
            }
        }, reason);
        fixture.awaitMetric(series, count -> count == before + 1);
        return refused.getMessage();
    }
}
