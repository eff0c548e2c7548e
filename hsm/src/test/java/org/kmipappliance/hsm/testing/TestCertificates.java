package org.kmipappliance.hsm.testing;

import java.time.Duration;
import java.util.List;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;

/** Throwaway certificates for tests. */
public final class TestCertificates {
    private static final CertificateAuthority CA = CertificateAuthority.create("test CA", Duration.ofDays(1));

    private TestCertificates() {
    }

    public static CertificateAuthority authority() {
        return CA;
    }

    public static CertificateAuthority.Issued client(String commonName) {
        return CA.issueClient(commonName, Duration.ofDays(1));
    }

    /** A server certificate for a listener on loopback, valid for localhost and 127.0.0.1. */
    public static CertificateAuthority.Issued localhostServer() {
        return CA.issueServer("localhost", List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
    }

    public static String clientPem(String commonName) {
        return PemCertificates.toPem(client(commonName).certificate());
    }
}
