package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * The appliance's certificate authority and the TLS server certificate it issues for the listeners that have none
 * of the operator's, kept in {@code <state>/pki}. Made on first start; the server certificate is issued again when
 * its names change or when it comes within {@code renewBefore} of its expiry, at start or while running.
 *
 * <p>{@code ca.pem} is what KMIP clients (vCenter, PyKMIP) and REST clients trust; it stays the same across renewals,
 * so clients need nothing new.
 */
final class AppliancePki {
    private static final System.Logger LOG = System.getLogger(AppliancePki.class.getName());
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** What browsers accept at most; renewal keeps it current without an operator. */
    static final Duration SERVER_VALIDITY = Duration.ofDays(397);
    static final String SOURCE = "the appliance's CA";

    private final CertificateAuthority authority;
    private final Path directory;
    private final List<String> hostnames;
    private final List<String> ipAddresses;
    private volatile ServerIdentity server;

    private AppliancePki(CertificateAuthority authority, Path directory, List<String> hostnames,
                         List<String> ipAddresses) {
        this.authority = authority;
        this.directory = directory;
        this.hostnames = List.copyOf(hostnames);
        this.ipAddresses = List.copyOf(ipAddresses);
    }

    static AppliancePki loadOrCreate(Path directory, List<String> hostnames, List<String> ipAddresses,
                                     Duration renewBefore, Instant now) {
        PrivateFiles.directory(directory);
        Path caFile = directory.resolve("ca.pem");
        Path caKeyFile = directory.resolve("ca-key.pem");
        CertificateAuthority authority;
        if (Files.exists(caFile) && Files.exists(caKeyFile)) {
            authority = new CertificateAuthority(PemFiles.readCertificate(caFile), PemFiles.readPrivateKey(caKeyFile));
        } else {
            LOG.log(System.Logger.Level.INFO, "first start: making the appliance''s CA and TLS server certificate in "
                    + "{0}", directory);
            authority = CertificateAuthority.create("KMIP appliance CA", CA_VALIDITY);
            PemFiles.writePrivateKey(caKeyFile, authority.privateKey());
            PemFiles.writeCertificate(caFile, authority.certificate());
        }
        AppliancePki pki = new AppliancePki(authority, directory, hostnames, ipAddresses);
        try {
            boolean current = Files.exists(pki.serverFile()) && Files.exists(pki.serverKeyFile())
                    && Files.exists(pki.namesFile()) && Files.readString(pki.namesFile()).equals(pki.names());
            if (current) {
                pki.server = pki.read();
                pki.renewIfExpiring(renewBefore, now);
            } else {
                pki.issue();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the server certificate in " + directory, e);
        }
        return pki;
    }

    /**
     * Issues the server certificate again if it expires within {@code renewBefore} of {@code now}; returns whether it
     * did.
     */
    boolean renewIfExpiring(Duration renewBefore, Instant now) {
        if (server.notAfter().isAfter(now.plus(renewBefore))) {
            return false;
        }
        Instant expiring = server.notAfter();
        issue();
        LOG.log(System.Logger.Level.INFO, "renewed the TLS server certificate, which expired on {0}: {1}", expiring,
                server.describe());
        return true;
    }

    private void issue() {
        CertificateAuthority.Issued issued = authority.issueServer(hostnames.getFirst(), hostnames, ipAddresses,
                SERVER_VALIDITY);
        // Key first: a crash between the two writes leaves a certificate whose key does not match, which the next
        // start refuses loudly rather than serving; the names file last, so that start issues again.
        try {
            Files.deleteIfExists(namesFile());
            PemFiles.writePrivateKey(serverKeyFile(), issued.privateKey());
            PemFiles.writeCertificate(serverFile(), issued.certificate());
            Files.writeString(namesFile(), names());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the server certificate in " + directory, e);
        }
        server = new ServerIdentity(issued.privateKey(), List.of(issued.certificate(), authority.certificate()),
                SOURCE);
    }

    private ServerIdentity read() {
        return new ServerIdentity(PemFiles.readPrivateKey(serverKeyFile()),
                List.of(PemFiles.readCertificate(serverFile()), authority.certificate()), SOURCE);
    }

    private String names() {
        return String.join(",", hostnames) + "|" + String.join(",", ipAddresses);
    }

    private Path serverFile() {
        return directory.resolve("server.pem");
    }

    private Path serverKeyFile() {
        return directory.resolve("server-key.pem");
    }

    private Path namesFile() {
        return directory.resolve("server.names");
    }

    CertificateAuthority authority() {
        return authority;
    }

    /** The server certificate, its key and the CA's certificate after it. */
    ServerIdentity serverIdentity() {
        return server;
    }

    Path caFile() {
        return directory.resolve("ca.pem");
    }
}
