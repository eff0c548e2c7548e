package org.kmipappliance.appliance;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * Certificate files as an operator would bring them, from a CA of their own: a PEM chain and key, the same in a
 * PKCS#12 file with its password in another file, and broken variants (another key, the chain reversed, an expired
 * certificate).
 */
record OperatorFiles(CertificateAuthority authority, CertificateAuthority.Issued server, Path chain, Path key,
                     Path pkcs12, Path password, Path otherKey, Path reversedChain, Path expired, Path expiredKey) {
    static final String NAME = "kms.example.com";
    static final char[] PASSWORD = "correct horse".toCharArray();

    static OperatorFiles write(Path directory) throws Exception {
        return write(directory, "operator", List.of(NAME), List.of(), Duration.ofDays(200));
    }

    /** A server certificate for {@code dnsNames} and {@code ipAddresses}, valid {@code validity}, in {@code directory}. */
    static OperatorFiles write(Path directory, String prefix, List<String> dnsNames, List<String> ipAddresses,
                               Duration validity) throws Exception {
        Files.createDirectories(directory);
        CertificateAuthority authority = CertificateAuthority.create("operator CA", Duration.ofDays(400));
        CertificateAuthority.Issued server = authority.issueServer(dnsNames.isEmpty() ? ipAddresses.getFirst()
                : dnsNames.getFirst(), dnsNames, ipAddresses, validity);
        CertificateAuthority.Issued other = authority.issueServer("other", List.of("other.example.com"), List.of(),
                validity);
        CertificateAuthority.Issued old = authority.issueServer(NAME, List.of(NAME), List.of(),
                Duration.ofMinutes(-1));
        Path chain = Files.writeString(directory.resolve(prefix + "-chain.pem"),
                PemCertificates.toPem(server.certificate()) + PemCertificates.toPem(authority.certificate()));
        Path key = directory.resolve(prefix + "-key.pem");
        PemFiles.writePrivateKey(key, server.privateKey());
        Path otherKey = directory.resolve(prefix + "-other-key.pem");
        PemFiles.writePrivateKey(otherKey, other.privateKey());
        Path reversed = Files.writeString(directory.resolve(prefix + "-reversed.pem"),
                PemCertificates.toPem(authority.certificate()) + PemCertificates.toPem(server.certificate()));
        Path expired = Files.writeString(directory.resolve(prefix + "-expired.pem"),
                PemCertificates.toPem(old.certificate()));
        Path expiredKey = directory.resolve(prefix + "-expired-key.pem");
        PemFiles.writePrivateKey(expiredKey, old.privateKey());
        Path pkcs12 = directory.resolve(prefix + ".p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", server.privateKey(), PASSWORD,
                new Certificate[] {server.certificate(), authority.certificate()});
        try (OutputStream out = Files.newOutputStream(pkcs12)) {
            store.store(out, PASSWORD);
        }
        Files.setPosixFilePermissions(pkcs12, PosixFilePermissions.fromString("rw-------"));
        Path password = directory.resolve(prefix + ".p12-password");
        PrivateFiles.write(password, new String(PASSWORD) + "\n");
        return new OperatorFiles(authority, server, chain, key, pkcs12, password, otherKey, reversed, expired,
                expiredKey);
    }

    X509Certificate certificate() {
        return server.certificate();
    }
}
