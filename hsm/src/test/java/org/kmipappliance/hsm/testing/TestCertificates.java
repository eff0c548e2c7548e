package org.kmipappliance.hsm.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
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

    /** Whether {@code key} is the private key of {@code certificate}: it signs what the certificate's key verifies. */
    public static boolean isKeyOf(X509Certificate certificate, PrivateKey key) {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(new byte[] {7});
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(new byte[] {7});
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A new key pair: "RSA" of {@code size} bits, or "EC" on the NIST curve of that size. */
    public static KeyPair keyPair(String algorithm, int size) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(size);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS#10 request in PEM for {@code subject} and its own key, as vCenter generates one. */
    public static String csr(String subject, KeyPair keys) {
        return csr(subject, keys.getPublic(), keys.getPrivate());
    }

    /** A PKCS#10 request for {@code subject} carrying {@code key}, signed by {@code signer} (a forgery if not its). */
    public static String csr(String subject, PublicKey key, PrivateKey signer) {
        String algorithm = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), key)
                    .build(new JcaContentSignerBuilder(algorithm).build(signer));
            StringWriter pem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
                writer.writeObject(request);
            }
            return pem.toString();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
