package org.kmipappliance.hsm.pki;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A PKCS#10 certificate signing request (vCenter's "New Certificate Signing Request"), parsed and checked: one PEM
 * request of bounded size, signed by the key it carries (so whoever sent it holds that key), for an RSA key of 2048
 * bits or more or an EC key on P-256, P-384 or P-521, with a subject.
 *
 * @param subject   the distinguished name the certificate will carry
 * @param publicKey the key it will certify
 */
public record CertificateSigningRequest(X500Name subject, PublicKey publicKey) {
    /** Far larger than a 4096-bit RSA request with a long subject; bounds what a caller can make us parse. */
    public static final int MAX_PEM_CHARS = 16 * 1024;

    private static final Set<ASN1Encodable> NAMED_CURVES = Set.of(SECObjectIdentifiers.secp256r1,
            SECObjectIdentifiers.secp384r1, SECObjectIdentifiers.secp521r1);

    /**
     * Parses and checks {@code pem}.
     *
     * @throws IllegalArgumentException with a message fit for the caller: what is wrong and what is accepted
     */
    public static CertificateSigningRequest parse(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("the CSR is empty; give a PKCS#10 request in PEM with its BEGIN "
                    + "CERTIFICATE REQUEST and END CERTIFICATE REQUEST lines");
        }
        if (pem.length() > MAX_PEM_CHARS) {
            throw new IllegalArgumentException("the CSR is longer than " + MAX_PEM_CHARS + " characters");
        }
        JcaPKCS10CertificationRequest request = read(pem);
        PublicKey key;
        try {
            key = request.getPublicKey();
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("the CSR's signature does not verify with the key it carries; "
                        + "generate the request again");
            }
        } catch (GeneralSecurityException | OperatorCreationException | PKCSException e) {
            // The library's reasons name its own classes: not for an API's client (as for certificates).
            throw new IllegalArgumentException("the CSR's key or signature cannot be read; generate the request "
                    + "again with an RSA or EC key");
        }
        checkKey(key, request.getSubjectPublicKeyInfo().getAlgorithm().getParameters());
        X500Name subject = request.getSubject();
        if (subject.getRDNs().length == 0) {
            throw new IllegalArgumentException("the CSR has an empty subject; give it at least a common name (CN)");
        }
        return new CertificateSigningRequest(subject, key);
    }

    private static JcaPKCS10CertificationRequest read(String pem) {
        Object first;
        Object second;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            first = parser.readObject();
            second = first == null ? null : parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the CSR is not valid PEM or PKCS#10; export it again, in PEM");
        }
        if (!(first instanceof PKCS10CertificationRequest request)) {
            throw new IllegalArgumentException("the CSR must be one PKCS#10 request in PEM, between "
                    + "-----BEGIN CERTIFICATE REQUEST----- and -----END CERTIFICATE REQUEST----- lines");
        }
        if (second != null) {
            throw new IllegalArgumentException("give one CSR at a time; this text holds more than one PEM object");
        }
        return new JcaPKCS10CertificationRequest(request);
    }

    private static void checkKey(PublicKey key, ASN1Encodable curve) {
        switch (key) {
            case RSAPublicKey rsa when rsa.getModulus().bitLength() < 2048 ->
                    throw new IllegalArgumentException("the CSR's RSA key has " + rsa.getModulus().bitLength()
                            + " bits; 2048 or more are required");
            case RSAPublicKey rsa when rsa.getModulus().bitLength() > 8192 ->
                    throw new IllegalArgumentException("the CSR's RSA key has more than 8192 bits");
            case RSAPublicKey rsa -> {
            }
            case ECPublicKey ec when !NAMED_CURVES.contains(curve) ->
                    throw new IllegalArgumentException("the CSR's EC key is not on P-256, P-384 or P-521");
            case ECPublicKey ec -> {
            }
            default -> throw new IllegalArgumentException("the CSR's key is " + key.getAlgorithm()
                    + "; RSA (2048 bits or more) or EC (P-256, P-384, P-521) keys are accepted");
        }
    }
}
