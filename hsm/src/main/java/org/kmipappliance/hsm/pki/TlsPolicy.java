package org.kmipappliance.hsm.pki;

import java.util.List;

/**
 * The TLS both listeners speak: TLS 1.3, and TLS 1.2 for the KMIP clients that have nothing newer (vSphere 6.7 and
 * 7, PyKMIP on older Pythons), with forward-secret AEAD suites only. CBC suites are left out (Lucky13-style padding
 * oracles, and KMIP's profiles ask for GCM), as are static-RSA key exchange and everything without ECDHE. The
 * choice and its reasons are in docs/security.md; a test checks each listener refuses what is left out.
 */
public final class TlsPolicy {
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPolicy() {
    }
}
