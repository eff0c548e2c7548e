package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * The appliance's certificate authority and the TLS server certificate of both listeners, kept in
 * {@code <state>/pki}. Made on first start; the server certificate is re-issued when its names change.
 *
 * <p>{@code ca.pem} is what KMIP clients (vCenter, PyKMIP) and REST clients trust.
 */
final class AppliancePki {
    private static final System.Logger LOG = System.getLogger(AppliancePki.class.getName());
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(825);

    private final CertificateAuthority authority;
    private final X509Certificate serverCertificate;
    private final PrivateKey serverKey;
    private final Path caFile;

    private AppliancePki(CertificateAuthority authority, X509Certificate serverCertificate, PrivateKey serverKey,
                         Path caFile) {
        this.authority = authority;
        this.serverCertificate = serverCertificate;
        this.serverKey = serverKey;
        this.caFile = caFile;
    }

    static AppliancePki loadOrCreate(Path directory, List<String> hostnames, List<String> ipAddresses) {
        PrivateFiles.directory(directory);
        Path caFile = directory.resolve("ca.pem");
        Path caKeyFile = directory.resolve("ca-key.pem");
        CertificateAuthority authority;
        if (Files.exists(caFile) && Files.exists(caKeyFile)) {
            authority = new CertificateAuthority(PemFiles.readCertificate(caFile), PemFiles.readPrivateKey(caKeyFile));
        } else {
            LOG.log(System.Logger.Level.INFO, "first start: making the appliance''s CA and TLS server certificate in {0}",
                    directory);
            authority = CertificateAuthority.create("KMIP appliance CA", CA_VALIDITY);
            PemFiles.writePrivateKey(caKeyFile, authority.privateKey());
            PemFiles.writeCertificate(caFile, authority.certificate());
        }
        Path serverFile = directory.resolve("server.pem");
        Path serverKeyFile = directory.resolve("server-key.pem");
        String names = String.join(",", hostnames) + "|" + String.join(",", ipAddresses);
        Path namesFile = directory.resolve("server.names");
        try {
            boolean current = Files.exists(serverFile) && Files.exists(serverKeyFile) && Files.exists(namesFile)
                    && Files.readString(namesFile).equals(names);
            if (!current) {
                CertificateAuthority.Issued server = authority.issueServer(hostnames.getFirst(), hostnames,
                        ipAddresses, SERVER_VALIDITY);
                PemFiles.writePrivateKey(serverKeyFile, server.privateKey());
                PemFiles.writeCertificate(serverFile, server.certificate());
                Files.writeString(namesFile, names);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the server certificate in " + directory, e);
        }
        return new AppliancePki(authority, PemFiles.readCertificate(serverFile), PemFiles.readPrivateKey(serverKeyFile),
                caFile);
    }

    CertificateAuthority authority() {
        return authority;
    }

    X509Certificate serverCertificate() {
        return serverCertificate;
    }

    PrivateKey serverKey() {
        return serverKey;
    }

    Path caFile() {
        return caFile;
    }
}
