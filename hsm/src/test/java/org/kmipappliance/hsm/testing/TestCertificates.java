package org.kmipappliance.hsm.testing;

import java.time.Duration;
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

    public static String clientPem(String commonName) {
        return PemCertificates.toPem(client(commonName).certificate());
    }
}
