package org.kmipappliance.hsm.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.kmipappliance.hsm.system.PrivateFiles;

/** Certificates and private keys in PEM files; private keys are written readable by their owner only. */
public final class PemFiles {
    private PemFiles() {
    }

    public static void writeCertificate(Path file, X509Certificate certificate) {
        try {
            Files.writeString(file, PemCertificates.toPem(certificate), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static X509Certificate readCertificate(Path file) {
        try {
            return PemCertificates.parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static void writePrivateKey(Path file, PrivateKey key) {
        PrivateFiles.write(file, privateKeyPem(key));
    }

    /** An unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), what OpenSSL, vCenter and PyKMIP read. */
    public static String privateKeyPem(PrivateKey key) {
        try {
            StringWriter text = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
                writer.writeObject(new JcaPKCS8Generator(key, null));
            }
            return text.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a private key as PKCS#8", e);
        }
    }

    public static PrivateKey readPrivateKey(Path file) {
        try {
            return parsePrivateKey(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " " + e.getMessage(), e);
        }
    }

    /**
     * An unencrypted PKCS#8 private key in PEM.
     *
     * @throws IllegalArgumentException ("does not hold ...") when the text is something else
     */
    public static PrivateKey parsePrivateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            if (!(parser.readObject() instanceof PrivateKeyInfo info)) {
                throw new IllegalArgumentException("does not hold an unencrypted PKCS#8 private key");
            }
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException e) {
            throw new IllegalArgumentException("does not hold an unencrypted PKCS#8 private key", e);
        }
    }
}
