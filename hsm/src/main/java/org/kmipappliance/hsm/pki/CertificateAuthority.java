package org.kmipappliance.hsm.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The appliance's own small certificate authority: it signs the TLS server certificate of both tiers and the
 * client certificates it issues (for the demo, for tests, and for vSphere's "KMS issues the certificate" trust
 * mode). Client certificates are still admitted only by their pinned fingerprint, never by this CA's signature.
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** A certificate and its private key. */
    public record Issued(X509Certificate certificate, PrivateKey privateKey) {
        @Override
        public String toString() {
            return "Issued[" + certificate.getSubjectX500Principal() + ", private key redacted]";
        }
    }

    public static CertificateAuthority create(String commonName, Duration validity) {
        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        X500Name subject = commonName(commonName);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject,
                    keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the appliance CA: " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** A TLS server certificate for the given DNS names and IP addresses. */
    public Issued issueServer(String commonName, List<String> dnsNames, List<String> ipAddresses, Duration validity) {
        GeneralName[] names = new GeneralName[dnsNames.size() + ipAddresses.size()];
        int i = 0;
        for (String dns : dnsNames) {
            names[i++] = new GeneralName(GeneralName.dNSName, dns);
        }
        for (String ip : ipAddresses) {
            names[i++] = new GeneralName(GeneralName.iPAddress, ip);
        }
        return issue(commonName, KeyPurposeId.id_kp_serverAuth, new GeneralNames(names), validity);
    }

    /** A TLS client certificate, for a KMIP client. */
    public Issued issueClient(String commonName, Duration validity) {
        Instant now = Instant.now();
        return issueClient(commonName, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    /** A TLS client certificate valid from {@code notBefore} to {@code notAfter}. */
    public Issued issueClient(String commonName, Instant notBefore, Instant notAfter) {
        return issue(commonName, KeyPurposeId.id_kp_clientAuth, null, notBefore, notAfter);
    }

    /**
     * A TLS client certificate and a new key of {@code keyType} made for it here: vSphere's "KMS issues the
     * certificate and key" trust mode. The caller hands the key over once and keeps no copy.
     */
    public Issued issueClient(String commonName, ClientKeyType keyType, Duration validity) {
        KeyPair keys = keyType.generate(RANDOM);
        Instant now = Instant.now();
        X509Certificate certificate = certify(commonName(commonName), keys.getPublic(),
                KeyPurposeId.id_kp_clientAuth, null, now.minus(Duration.ofMinutes(5)), now.plus(validity));
        return new Issued(certificate, keys.getPrivate());
    }

    /**
     * A TLS client certificate for the subject and key of a request whose signature has been checked (vSphere's
     * "sign a CSR" trust mode): the requester keeps its private key.
     */
    public X509Certificate signClient(CertificateSigningRequest request, Duration validity) {
        Instant now = Instant.now();
        return certify(request.subject(), request.publicKey(), KeyPurposeId.id_kp_clientAuth, null,
                now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    private Issued issue(String commonName, KeyPurposeId purpose, GeneralNames subjectAlternativeNames,
                         Duration validity) {
        Instant now = Instant.now();
        return issue(commonName, purpose, subjectAlternativeNames, now.minus(Duration.ofMinutes(5)),
                now.plus(validity));
    }

    private Issued issue(String commonName, KeyPurposeId purpose, GeneralNames subjectAlternativeNames,
                         Instant notBefore, Instant notAfter) {
        KeyPair keys = newKeyPair();
        return new Issued(certify(commonName(commonName), keys.getPublic(), purpose,
                subjectAlternativeNames, notBefore, notAfter), keys.getPrivate());
    }

    private X509Certificate certify(X500Name subject, PublicKey subjectKey, KeyPurposeId purpose,
                                    GeneralNames subjectAlternativeNames, Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            // RSA: keyEncipherment beside digitalSignature, as CAs commonly set it; some TLS stacks expect it.
            int usage = subjectKey.getAlgorithm().equals("RSA")
                    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                    : KeyUsage.digitalSignature | KeyUsage.keyAgreement;
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(certificate));
            if (subjectAlternativeNames != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames);
            }
            return sign(builder, privateKey);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate P-256 keys", e);
        }
    }

    /** A subject of one common name, whatever characters it holds: "a, O=b" stays one CN, never two attributes. */
    private static X500Name commonName(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
