package org.kmipappliance.hsm.pki;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing, printing and fingerprinting of X.509 certificates in PEM. */
public final class PemCertificates {
    /** Larger than any sane client certificate; bounds what a caller can make us parse. */
    public static final int MAX_PEM_CHARS = 16 * 1024;

    private static final Pattern SINGLE_PEM = Pattern.compile(
            "\\A\\s*-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\r\\n]+)-----END CERTIFICATE-----\\s*\\z");

    private static final int MAX_CHAIN_LENGTH = 10;
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\r\\n]+-----END CERTIFICATE-----");

    private PemCertificates() {
    }

    /**
     * Parses exactly one PEM certificate with its BEGIN/END lines.
     *
     * @throws IllegalArgumentException with a message fit for the caller when it is not one
     */
    public static X509Certificate parse(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("the certificate is empty; give an X.509 certificate in PEM with its "
                    + "BEGIN CERTIFICATE and END CERTIFICATE lines");
        }
        if (pem.length() > MAX_PEM_CHARS) {
            throw new IllegalArgumentException("the certificate is longer than " + MAX_PEM_CHARS + " characters");
        }
        Matcher matcher = SINGLE_PEM.matcher(pem);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("the certificate must be one X.509 certificate in PEM, between "
                    + "-----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the certificate's PEM is not valid base64");
        } catch (CertificateException e) {
            // The JDK's reasons name its own classes ("java.io.IOException: Empty input"): not for an API's client.
            throw new IllegalArgumentException("the certificate's PEM does not hold a valid X.509 certificate; "
                    + "export the certificate again, in PEM");
        }
    }

    /**
     * Parses a chain: one or more PEM certificates one after another (the server's first), at most ten.
     *
     * @throws IllegalArgumentException with a message fit for the caller when it is not one
     */
    public static List<X509Certificate> parseChain(String pem) {
        if (pem == null || pem.length() > MAX_CHAIN_LENGTH * MAX_PEM_CHARS) {
            throw new IllegalArgumentException("a certificate chain must be 1 to " + MAX_CHAIN_LENGTH
                    + " PEM certificates");
        }
        List<X509Certificate> chain = new ArrayList<>();
        Matcher block = PEM_BLOCK.matcher(pem);
        int end = 0;
        while (block.find()) {
            if (!pem.substring(end, block.start()).isBlank()) {
                throw new IllegalArgumentException("a certificate chain holds only PEM certificates, one after "
                        + "another");
            }
            chain.add(parse(block.group()));
            end = block.end();
        }
        if (chain.isEmpty() || chain.size() > MAX_CHAIN_LENGTH || !pem.substring(end).isBlank()) {
            throw new IllegalArgumentException("a certificate chain must be 1 to " + MAX_CHAIN_LENGTH
                    + " PEM certificates, one after another");
        }
        return List.copyOf(chain);
    }

    public static String toPem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** Lower-case hex SHA-256 of the DER encoding: how a client certificate is pinned. */
    public static String sha256Fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** The fingerprint as operators read it: {@code 3f:a2:...}. */
    public static String colonSeparated(String hexFingerprint) {
        StringBuilder out = new StringBuilder(hexFingerprint.length() * 3 / 2);
        for (int i = 0; i < hexFingerprint.length(); i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hexFingerprint, i, Math.min(i + 2, hexFingerprint.length()));
        }
        return out.toString();
    }
}
