package org.kmipappliance.rest;

import java.util.List;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.testing.TestCertificates;

/** Onboarding for a REST tier under test: the test CA issues and signs, and stands behind the KMIP listener. */
final class TestOnboarding {
    private TestOnboarding() {
    }

    /** The KMIP listener presents {@code kmipServer}'s certificate, then the test CA's. */
    static KmipOnboarding presenting(CertificateAuthority.Issued kmipServer) {
        return new KmipOnboarding(TestCertificates.authority(),
                () -> List.of(kmipServer.certificate(), TestCertificates.authority().certificate()));
    }
}
