package org.kmipappliance.appliance;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.kmipappliance.hsm.pki.PemCertificates;

/**
 * What a TLS listener presents: its certificate chain (the server certificate first, then its issuers) and the
 * private key, with where they came from. Read from the appliance's own CA, from PEM files or from a PKCS#12 file
 * an operator supplies, and checked before it is used: a chain out of order, a key that is not the certificate's, an
 * expired certificate or one not meant for servers is refused with what to do.
 *
 * @param source where it came from, for messages: "the appliance's CA", "/etc/kmip-appliance/kmip.pem"
 */
record ServerIdentity(PrivateKey key, List<X509Certificate> chain, String source) {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_USAGE = "2.5.29.37.0";
    /** Bounds what a wrong path (a log file, a disk image) makes the appliance read. */
    private static final long MAX_FILE_BYTES = 1024 * 1024;

    ServerIdentity {
        chain = List.copyOf(chain);
    }

    /** Thrown when the files cannot give an identity at all; the message says what is wrong and what to do. */
    static final class Unusable extends RuntimeException {
        Unusable(String message) {
            super(message);
        }
    }

    X509Certificate certificate() {
        return chain.getFirst();
    }

    Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /** Fingerprint and validity, for log lines. */
    String describe() {
        return "certificate " + PemCertificates.colonSeparated(PemCertificates.sha256Fingerprint(certificate()))
                .substring(0, 23) + "... from " + source + ", valid until " + notAfter();
    }

    @Override
    public String toString() {
        return "ServerIdentity[" + describe() + ", private key redacted]";
    }

    /** A chain and an unencrypted private key, each in a PEM file. */
    static ServerIdentity fromPem(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = new ByteArrayInputStream(read(certificateFile))) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) certificate);
            }
        } catch (CertificateException | IOException e) {
            throw new Unusable(certificateFile + " does not hold PEM certificates: " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new Unusable(certificateFile + " holds no certificate; give the server certificate in PEM, then "
                    + "its intermediate CA certificates");
        }
        return new ServerIdentity(readPrivateKey(keyFile), chain, certificateFile.toString());
    }

    private static PrivateKey readPrivateKey(Path keyFile) {
        String pem = new String(read(keyFile), StandardCharsets.US_ASCII);
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object parsed = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return switch (parsed) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getKeyPair(pair).getPrivate();
                case null -> throw new Unusable(keyFile + " holds no PEM private key");
                default -> throw new Unusable(keyFile + " holds no unencrypted private key (an encrypted key cannot "
                        + "be read unattended): give it unencrypted, readable by the appliance's user only, or use a "
                        + "PKCS#12 file with its password in a file");
            };
        } catch (IOException e) {
            throw new Unusable(keyFile + " does not hold a PEM private key: " + e.getMessage());
        }
    }

    /** The first key entry of a PKCS#12 file, with its chain; the password is the first line of its file. */
    static ServerIdentity fromPkcs12(Path file, Path passwordFile) {
        char[] password = passwordFile == null ? new char[0]
                : new String(read(passwordFile), StandardCharsets.UTF_8).lines().findFirst().orElse("")
                        .toCharArray();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(read(file)), password);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getKey(alias, password) instanceof PrivateKey key) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate certificate : store.getCertificateChain(alias)) {
                        chain.add((X509Certificate) certificate);
                    }
                    return new ServerIdentity(key, chain, file.toString());
                }
            }
            throw new Unusable(file + " holds no private key with its certificate chain");
        } catch (IOException e) {
            throw new Unusable(file + " cannot be opened as PKCS#12 (" + e.getMessage() + "); check the file and the "
                    + "password in " + (passwordFile == null ? "a pkcs12-password-file" : passwordFile));
        } catch (GeneralSecurityException e) {
            throw new Unusable(file + " cannot be read as PKCS#12: " + e.getMessage());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static byte[] read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new Unusable(file + " is larger than " + MAX_FILE_BYTES + " bytes; it is not a certificate "
                        + "or key file");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Unusable(file + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * What stops this identity from serving clients at {@code now}, one line each: an empty list means it is
     * sound.
     */
    List<String> problems(Instant now) {
        List<String> problems = new ArrayList<>();
        X509Certificate leaf = certificate();
        if (!keyMatches(key, leaf.getPublicKey())) {
            problems.add("the private key is not the key of the certificate in " + source);
        }
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            problems.add("the certificate in " + source + " expired on " + notAfter() + "; renew it");
        } else if (leaf.getNotBefore().toInstant().isAfter(now)) {
            problems.add("the certificate in " + source + " is not valid before " + leaf.getNotBefore().toInstant()
                    + "; check this machine's clock");
        }
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(SERVER_AUTH) && !usages.contains(ANY_USAGE)) {
                problems.add("the certificate in " + source + " is not for TLS servers (its extended key usage "
                        + "lacks serverAuth)");
            }
        } catch (CertificateException e) {
            problems.add("the certificate in " + source + " has an unreadable extended key usage");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!issuedBy(chain.get(i), chain.get(i + 1))) {
                problems.add("the certificates in " + source + " are not in order: certificate " + (i + 1) + " ("
                        + chain.get(i).getSubjectX500Principal().getName() + ") is not issued by the one after it; "
                        + "give the server certificate first, then each issuer");
                break;
            }
        }
        return problems;
    }

    /** Things worth an operator's attention that do not stop serving. */
    List<String> warnings(Path keyFile) {
        List<String> warnings = new ArrayList<>();
        try {
            Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ,
                    PosixFilePermission.OTHERS_READ);
            if (keyFile != null && Files.getPosixFilePermissions(keyFile).stream().anyMatch(others::contains)) {
                warnings.add("the private key " + keyFile + " can be read by other users; chmod 600 it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to say
        }
        return warnings;
    }

    private static boolean issuedBy(X509Certificate certificate, X509Certificate issuer) {
        if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static boolean keyMatches(PrivateKey key, PublicKey certified) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(certified.getAlgorithm())
                && !(key.getAlgorithm().startsWith("Ed") && certified.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
