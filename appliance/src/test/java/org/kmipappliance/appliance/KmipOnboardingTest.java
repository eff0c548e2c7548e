package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.client.PyKmipConfig;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.testing.PyKmip;

/**
 * vCenter's ways of setting up trust, end to end against an appliance in its own process: the KMIP server chain
 * downloaded over REST is what the KMIP handshake presents, and a certificate the appliance issued (with its key) or
 * signed (from a CSR) opens KMIP connections to the adapter at once. The issued key is kept nowhere.
 */
class KmipOnboardingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    @Test
    void issuedAndSignedCertificates_openKmip_andTheDownloadedChainIsTheHandshakes() throws Exception {
        Path state = Files.createDirectories(directory.resolve("state"));
        Path config = Files.writeString(directory.resolve("config.yaml"), """
                kmip: {host: 127.0.0.1, port: 0}
                rest: {host: 127.0.0.1, port: 0}
                """);
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            ApplianceClient client = new ApplianceClient(appliance, appliance.admin());
            client.createAdapter("vcenter", client.createRootKey("vcenter-root"));

            // "Make vCenter trust KMS": the chain to download, and its last certificate as what the client trusts.
            JsonNode chain = JSON.readTree(client.send("GET", "/api/v2/appliance/kmip_server_chain", null, null)
                    .body()).at("/resources/0");
            List<X509Certificate> downloaded = PemCertificates.parseChain(chain.get("certificate_chain").asText());
            assertEquals(ApplianceClient.presentedChain(appliance.kmipPort()), downloaded);
            X509Certificate trusted = downloaded.getLast();

            // "KMS certificate and private key".
            JsonNode issued = client.create("/api/v2/kmip_adapters/vcenter/certificates/issue", "application/json",
                    "{\"name\":\"vcenter-issued\"}");
            CertificateAuthority.Issued issuedIdentity = new CertificateAuthority.Issued(
                    PemCertificates.parse(issued.get("certificate").asText()),
                    PemFiles.parsePrivateKey(issued.get("private_key").asText()));
            assertEquals(downloaded.getLast(), PemCertificates.parseChain(issued.get("kmip_server_chain").asText())
                    .getLast());
            String keyId;
            try (KmipClient kmip = connect(issuedIdentity, trusted, appliance)) {
                keyId = kmip.createAesKey(256, 12);
                assertEquals(32, kmip.getKeyMaterial(keyId).length);
            }

            // The same files serve PyKMIP (OpenSSL), as they would vCenter: certificate, key, and the CA to trust.
            Path files = Files.createDirectories(directory.resolve("issued"));
            Files.writeString(files.resolve("client.pem"), issued.get("certificate").asText());
            Files.writeString(files.resolve("client-key.pem"), issued.get("private_key").asText());
            PemFiles.writeCertificate(files.resolve("ca.pem"), trusted);
            PyKmipConfig.write(files.resolve("pykmip.conf"), "127.0.0.1", appliance.kmipPort(),
                    files.resolve("client.pem"), files.resolve("client-key.pem"), files.resolve("ca.pem"), true);
            PyKmip.Run pykmip = PyKmip.run(files.resolve("pykmip.conf"), "1.2", "lifecycle", "issued-to-pykmip");
            assertEquals(0, pykmip.exitCode(), pykmip.stderr());

            // "New Certificate Signing Request": vCenter keeps its key; the signed certificate opens the same adapter.
            KeyPair vcenterKey = TestCertificates.keyPair("EC", 256);
            JsonNode signed = client.create("/api/v2/kmip_adapters/vcenter/certificates/sign", "application/json",
                    "{\"csr\":" + JSON.writeValueAsString(TestCertificates.csr("CN=vcenter.example.com", vcenterKey))
                            + "}");
            CertificateAuthority.Issued signedIdentity = new CertificateAuthority.Issued(
                    PemCertificates.parse(signed.get("certificate").asText()), vcenterKey.getPrivate());
            try (KmipClient kmip = connect(signedIdentity, trusted, appliance)) {
                assertTrue(ApplianceClient.locateAll(kmip).contains(keyId), "the same adapter's keys");
            }

            assertKeptNowhere(issuedIdentity, state, appliance.output());
        }
    }

    private static KmipClient connect(CertificateAuthority.Issued identity, X509Certificate trusted,
                                      ApplianceProcess appliance) throws IOException {
        return KmipClient.connect(TlsContexts.create(identity, trusted), "127.0.0.1", appliance.kmipPort(),
                ProtocolVersion.V1_2, Duration.ofSeconds(30));
    }

    /**
     * Neither the key's DER, nor its hex, nor a line of its PEM is in any file of the state directory (the
     * database's WAL holds every committed row) or in the log; the same search finds the certificate, which is stored.
     */
    private static void assertKeptNowhere(CertificateAuthority.Issued issued, Path state, String log)
            throws IOException {
        byte[] der = issued.privateKey().getEncoded();
        String pemLine = PemFiles.privateKeyPem(issued.privateKey()).lines().skip(2).findFirst().orElseThrow();
        // Away from the start: every RSA-2048 key begins with the same PKCS#8 header.
        List<String> keyTexts = List.of(new String(der, StandardCharsets.ISO_8859_1), pemLine,
                HexFormat.of().formatHex(der, der.length - 32, der.length),
                Base64.getEncoder().encodeToString(der).substring(120, 160));
        for (String text : keyTexts) {
            assertFalse(log.contains(text), "the log holds the issued key");
            assertEquals(List.of(), filesHolding(state, text), "files that hold the issued key");
        }
        String certificateLine = PemCertificates.toPem(issued.certificate()).lines().skip(2).findFirst().orElseThrow();
        assertFalse(filesHolding(state, certificateLine).isEmpty(), "the search finds the registered certificate");
    }

    private static List<Path> filesHolding(Path state, String text) throws IOException {
        List<Path> holding = new ArrayList<>();
        try (Stream<Path> files = Files.walk(state)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try {
                    // ISO-8859-1 maps every byte to one char, so a text search is a byte search.
                    if (Files.size(file) <= 64L * 1024 * 1024 && new String(Files.readAllBytes(file),
                            StandardCharsets.ISO_8859_1).contains(text)) {
                        holding.add(file);
                    }
                } catch (NoSuchFileException gone) { // PostgreSQL's temporary files come and go
                }
            }
        }
        return holding;
    }
}
