package org.kmipappliance.rest;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import org.kmipappliance.hsm.pki.CertificateAuthority;

/**
 * What the REST tier needs to bring KMIP clients such as vCenter on board: the CA that issues and signs their
 * certificates (registration, not this CA's signature, is what admits them), and the chain the KMIP listener presents
 * now, which changes when its certificate is renewed or replaced.
 */
public record KmipOnboarding(CertificateAuthority clientAuthority, Supplier<List<X509Certificate>> kmipServerChain) {
}
