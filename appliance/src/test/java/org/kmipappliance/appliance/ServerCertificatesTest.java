package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.PrometheusText;

/**
 * The listeners' certificates as an operator lives with them: their own files (PEM or PKCS#12) served and replaced
 * without a restart, the appliance's own renewed before it expires, and a word in the log, /health and /metrics
 * when one is close to expiry or does not name the address clients use.
 */
class ServerCertificatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    /** The certificate a listener presents. */
    private static X509Certificate presented(int port) throws Exception {
        return ApplianceClient.presentedChain(port).getFirst();
    }

    /** Both listeners on loopback, with {@code kmip} and {@code rest} added to their keys (", pkcs12-file: ..."). */
    private ApplianceConfig config(String kmip, String rest) throws IOException {
        return ApplianceConfig.load(Files.writeString(directory.resolve("config.yaml"), """
                kmip: {host: 127.0.0.1, port: 0%s}
                rest: {host: 127.0.0.1, port: 0%s}
                root-keys: {rotation-interval-minutes: 0, enable-delay-seconds: 0}
                """.formatted(kmip, rest)));
    }

    /** Replaces {@code target} with {@code source} as an operator's tool would, with a newer modification time. */
    private static void replace(Path source, Path target) throws IOException {
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setLastModifiedTime(target, FileTime.from(Instant.now().plusSeconds(5)));
    }

    /** Sends SIGHUP, as systemctl reload does, and waits until the listener on {@code port} presents {@code expected}. */
    private static void reloadUntilPresented(ApplianceProcess appliance, int port, X509Certificate expected)
            throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(appliance.pid())).start().waitFor());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!expected.equals(presented(port)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(expected, presented(port), appliance.output());
    }

    private static String get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** /metrics, which needs an API token: the first start's Manager token. */
    private static String metrics(HttpClient http, ApplianceProcess appliance) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + appliance.restPort() + "/metrics"))
                .header("authorization", "Bearer " + appliance.admin().token()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The KMIP server chain as the REST API gives it to a KMIP manager (the Manager token of the first start). */
    private static List<X509Certificate> downloadedKmipChain(HttpClient http, ApplianceProcess appliance)
            throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + appliance.restPort()
                        + "/api/v2/appliance/kmip_server_chain"))
                .header("authorization", "Bearer " + appliance.admin().token())
                .header("bluemix-instance", appliance.admin().instance()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return PemCertificates.parseChain(JSON.readTree(body).at("/resources/0/certificate_chain").asText());
    }

    @Test
    void operatorsCertificates_areServed_andReplacedFilesAreTakenUpWithoutARestart() throws Exception {
        OperatorFiles kmipFiles = OperatorFiles.write(directory.resolve("etc"), "kmip", List.of("localhost"),
                List.of("127.0.0.1"), Duration.ofDays(10));
        OperatorFiles restFiles = OperatorFiles.write(directory.resolve("etc"), "rest", List.of("localhost"),
                List.of("127.0.0.1"), Duration.ofDays(200));
        Path state = directory.resolve("state");
        Files.createDirectories(state);
        Path config = Files.writeString(directory.resolve("config.yaml"), """
                kmip: {host: 127.0.0.1, port: 0, certificate-file: %s, private-key-file: %s}
                rest: {host: 127.0.0.1, port: 0, pkcs12-file: %s, pkcs12-password-file: %s}
                """.formatted(kmipFiles.chain(), kmipFiles.key(), restFiles.pkcs12(), restFiles.password()));
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            assertEquals(kmipFiles.certificate(), presented(appliance.kmipPort()));
            assertEquals(restFiles.certificate(), presented(appliance.restPort()));

            // The KMIP certificate expires within tls.renew-before-days (30): /health, the log and /metrics say so.
            HttpClient http = HttpClient.newBuilder().sslContext(TlsContexts.create(null,
                    restFiles.authority().certificate())).build();
            String health = get(http, appliance.restPort(), "/health");
            JsonNode body = JSON.readTree(health);
            assertEquals("UP", body.at("/checks/certificates").asText(), health);
            String expiring = "the KMIP listener's certificate (" + kmipFiles.chain() + ") expires on ";
            assertTrue(body.at("/warnings/0").asText().startsWith(expiring), health);
            assertTrue(appliance.output().contains(expiring), "the start warns in the log too");
            PrometheusText metrics = PrometheusText.parse(metrics(http, appliance));
            assertEquals(kmipFiles.certificate().getNotAfter().toInstant().getEpochSecond(), metrics.value(
                    "kmip_appliance_tls_certificate_expiry_timestamp_seconds{listener=\"kmip\"}"));
            assertTrue(metrics.series().stream().anyMatch(series -> series.startsWith("kmip_appliance_build_info{")));

            // The operator installs a renewed certificate and reloads: it is presented, with no restart.
            OperatorFiles renewed = OperatorFiles.write(directory.resolve("renewed"), "kmip", List.of("localhost"),
                    List.of("127.0.0.1"), Duration.ofDays(300));
            replace(renewed.chain(), kmipFiles.chain());
            replace(renewed.key(), kmipFiles.key());
            reloadUntilPresented(appliance, appliance.kmipPort(), renewed.certificate());
            assertEquals(ApplianceClient.presentedChain(appliance.kmipPort()), downloadedKmipChain(http, appliance),
                    "the chain offered for download is the one the KMIP handshake presents, after a replacement too");
            assertEquals(1, PrometheusText.parse(metrics(http, appliance)).value(
                    "kmip_appliance_tls_certificate_changes_total{listener=\"kmip\",cause=\"reloaded\"}"));
            assertEquals("[]", JSON.readTree(get(http, appliance.restPort(), "/health")).at("/warnings").toString(),
                    "the renewed certificate is not close to expiry");

            // Files that cannot serve (the key of another certificate) are refused; the listener keeps the last good.
            replace(renewed.otherKey(), kmipFiles.key());
            reloadUntilPresented(appliance, appliance.kmipPort(), renewed.certificate());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String refused = "the KMIP listener's certificate files changed, but the new certificate cannot serve "
                    + "(the private key is not the key of the certificate in " + kmipFiles.chain() + "); still "
                    + "presenting certificate ";
            while (!appliance.output().contains(refused) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(appliance.output().contains(refused), appliance.output());
        }
    }

    @Test
    void theAppliancesOwnCertificate_isRenewedBeforeItExpires_atStartAndWhileRunning() throws Exception {
        Path pki = directory.resolve("pki");
        List<String> names = List.of("localhost");
        List<String> addresses = List.of("127.0.0.1");
        Duration renewBefore = Duration.ofDays(30);
        AppliancePki first = AppliancePki.loadOrCreate(pki, names, addresses, renewBefore, Instant.now());
        Duration validity = Duration.between(Instant.now(), first.serverIdentity().notAfter());
        assertTrue(validity.toDays() >= 396, "valid about 397 days: " + validity);

        // A certificate a week from its expiry, as a node switched off for a year would find: renewed at start.
        CertificateAuthority.Issued ending = first.authority().issueServer("localhost", names, addresses,
                Duration.ofDays(7));
        PemFiles.writePrivateKey(pki.resolve("server-key.pem"), ending.privateKey());
        PemFiles.writeCertificate(pki.resolve("server.pem"), ending.certificate());
        AppliancePki restarted = AppliancePki.loadOrCreate(pki, names, addresses, renewBefore, Instant.now());
        X509Certificate renewedAtStart = restarted.serverIdentity().certificate();
        assertNotEquals(ending.certificate(), renewedAtStart);
        assertTrue(Duration.between(Instant.now(), restarted.serverIdentity().notAfter()).toDays() >= 396);
        assertEquals(first.authority().certificate(), restarted.serverIdentity().chain().get(1),
                "the same CA: clients need nothing new");

        // While running: a year on, the periodic check renews it and hands it to the listeners.
        Clock aYearOn = Clock.fixed(Instant.now().plus(Duration.ofDays(380)), ZoneOffset.UTC);
        Metrics metrics = new Metrics();
        List<X509Certificate> handedOver = new ArrayList<>();
        try (ServerCertificates certificates = ServerCertificates.load(config("", ""), restarted, aYearOn, metrics)) {
            certificates.presentWith(ServerCertificates.KMIP, (PrivateKey key, List<X509Certificate> chain) ->
                    handedOver.add(chain.getFirst()));
            certificates.presentWith(ServerCertificates.REST, (key, chain) -> handedOver.add(chain.getFirst()));
            certificates.check();
            assertEquals(2, handedOver.size(), "both listeners take the renewed certificate");
            assertEquals(handedOver.get(0), handedOver.get(1));
            assertNotEquals(renewedAtStart, handedOver.getFirst());
            assertEquals(handedOver.getFirst(), certificates.identity(ServerCertificates.KMIP).certificate());
            assertEquals(handedOver.getFirst(), PemFiles.readCertificate(pki.resolve("server.pem")), "kept on disk");
            assertEquals(1, PrometheusText.parse(metrics.render()).value(
                    "kmip_appliance_tls_certificate_changes_total{listener=\"rest\",cause=\"renewed\"}"));
        }
    }

    @Test
    void aCertificateThatDoesNotNameTheListenAddress_isWarnedAbout() throws Exception {
        AppliancePki pki = AppliancePki.loadOrCreate(directory.resolve("pki"), List.of("localhost"),
                List.of("127.0.0.1"), Duration.ofDays(30), Instant.now());
        try (ServerCertificates onLoopback = ServerCertificates.load(config("", ""), pki, Clock.systemUTC(),
                new Metrics())) {
            assertEquals(List.of(), onLoopback.warnings(), "127.0.0.1 is named by the default certificate");
        }
        OperatorFiles elsewhere = OperatorFiles.write(directory.resolve("etc"));
        Files.setPosixFilePermissions(elsewhere.key(), PosixFilePermissions.fromString("rw-r--r--"));
        try (ServerCertificates named = ServerCertificates.load(config(", certificate-file: "
                + elsewhere.chain() + ", private-key-file: " + elsewhere.key(), ""), pki, Clock.systemUTC(),
                new Metrics())) {
            assertEquals(List.of("the private key " + elsewhere.key() + " can be read by other users; chmod 600 it",
                    "the KMIP listener on 127.0.0.1 is reached at 127.0.0.1, none of which its certificate names "
                            + "(it names kms.example.com): clients that check the server's name, as vCenter does, "
                            + "will refuse it; use a certificate that names one of them"), named.warnings());
        }

        boolean networked = NetworkInterface.networkInterfaces().anyMatch(network -> {
            try {
                return network.isUp() && !network.isLoopback() && network.inetAddresses()
                        .anyMatch(address -> !address.isLinkLocalAddress());
            } catch (IOException e) {
                return false;
            }
        });
        assumeTrue(networked, "this machine has an address besides loopback");
        ApplianceConfig everywhere = config("", "").withListeners("0.0.0.0", 0, 0);
        try (ServerCertificates wildcard = ServerCertificates.load(everywhere, pki, Clock.systemUTC(),
                new Metrics())) {
            List<String> warnings = wildcard.warnings();
            assertEquals(2, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().startsWith("the KMIP listener on 0.0.0.0 is reached at "), warnings::toString);
            assertTrue(warnings.getFirst().endsWith("none of which its certificate names (it names localhost, "
                    + "127.0.0.1): clients that check the server's name, as vCenter does, will refuse it; add them "
                    + "to tls.hostnames and tls.ip-addresses, or give kmip.certificate-file"), warnings::toString);
            assertFalse(warnings.getFirst().contains(InetAddress.getLoopbackAddress().getHostAddress() + ","));
        }
    }
}
