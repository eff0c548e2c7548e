package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.client.PyKmipConfig;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.testing.PyKmip;
import org.kmipappliance.kmipctl.Kmipctl;

/**
 * kmipctl in a JVM of its own against an appliance in its own, as an operator onboarding vCenter runs them: log in
 * with the first start's token file, every read command as a table and as JSON, the appliance-issued certificate
 * used as is by PyKMIP, a CSR made by openssl signed and used, the downloaded chain verifying the live KMIP handshake
 * in openssl, a rotation followed to its end, and the exit status of bad input.
 */
class KmipctlOnApplianceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    private Path state;
    private Map<String, String> environment;

    private ApplianceProcess.Finished kmipctl(int expectedStatus, String... arguments) throws Exception {
        ApplianceProcess.Finished finished = ApplianceProcess.run(state, Kmipctl.class, List.of(arguments),
                environment);
        assertEquals(expectedStatus, finished.status(), String.join(" ", arguments) + ":\n" + finished.output());
        assertTrue(!finished.output().contains("\tat "), "never a stack trace:\n" + finished.output());
        return finished;
    }

    /** A command that must succeed, run in this JVM; its standard output. */
    private String kmipctlHere(List<String> arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Kmipctl.run(arguments.toArray(String[]::new), environment, InputStream.nullInputStream(),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, status, arguments + ":\n" + out + err);
        return out.toString();
    }

    private static String run(Path directory, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    private void assertPyKmipServed(ApplianceProcess appliance, Path certificate, Path key, Path ca, String name) {
        Path config = directory.resolve(name + ".conf");
        PyKmipConfig.write(config, "127.0.0.1", appliance.kmipPort(), certificate, key, ca, true);
        PyKmip.Run pykmip = PyKmip.run(config, "1.2", "lifecycle", name);
        assertEquals(0, pykmip.exitCode(), pykmip.stderr());
    }

    @Test
    void vcenterOnboarding_withKmipctl_fromLoginToRotation() throws Exception {
        state = Files.createDirectories(directory.resolve("state"));
        Path config = Files.writeString(directory.resolve("config.yaml"), """
                kmip: {host: 127.0.0.1, port: 0}
                rest: {host: 127.0.0.1, port: 0}
                root-keys: {rotation-interval-minutes: 0}
                """);
        environment = Map.of("XDG_CONFIG_HOME", directory.resolve("operator-config").toString());
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            kmipctl(0, "login", "--url", "https://localhost:" + appliance.restPort(), "--cacert",
                    state.resolve("pki/ca.pem").toString(), "--token-file",
                    state.resolve(InitialAdmin.TOKEN_FILE).toString());
            kmipctl(0, "keys", "create", "vsphere-root", "--alias", "vsphere-root");
            kmipctl(0, "adapter-create", "vsphere", "--crk", "vsphere-root", "--description", "vCenter prod");

            // "KMS certificate and private key": PyKMIP uses exactly the files kmipctl wrote.
            Path issued = directory.resolve("issued");
            kmipctl(0, "cert-issue", "vsphere", "--out", issued.toString(), "--name", "vcenter-issued");
            assertPyKmipServed(appliance, issued.resolve("client.pem"), issued.resolve("client-key.pem"),
                    issued.resolve("ca.pem"), "issued-files");

            // "New Certificate Signing Request", the request made by openssl as vCenter makes one.
            run(directory, "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "csr-key.pem",
                    "-out", "vcenter.csr", "-subj", "/CN=vcenter.example.com/O=Example");
            kmipctl(0, "cert-sign", "vsphere", "--csr", directory.resolve("vcenter.csr").toString(), "--out",
                    directory.resolve("signed.pem").toString(), "--name", "vcenter-csr");
            assertPyKmipServed(appliance, directory.resolve("signed.pem"), directory.resolve("csr-key.pem"),
                    issued.resolve("ca.pem"), "signed-csr");

            // "Make vCenter trust KMS": the downloaded chain verifies the live KMIP handshake in openssl.
            Path chain = directory.resolve("kmip-chain.pem");
            kmipctl(0, "server-chain", "--out", chain.toString());
            String handshake = run(directory, "openssl", "s_client", "-connect", "127.0.0.1:" + appliance.kmipPort(),
                    "-CAfile", chain.toString(), "-verify_return_error", "-cert", issued.resolve("client.pem")
                            .toString(), "-key", issued.resolve("client-key.pem").toString());
            assertTrue(handshake.contains("Verify return code: 0 (ok)"), handshake);

            // Every read command, as a table and as JSON.
            String objectId = JSON.readTree(kmipctl(0, "objects", "vsphere", "--state", "1,2,3,4,5,6", "-o", "json")
                    .output()).get(0).get("id").asText();
            List<List<String>> reads = List.of(List.of("adapters"), List.of("adapter", "vsphere"),
                    List.of("certs", "vsphere"), List.of("cert", "vsphere", "vcenter-issued"),
                    List.of("objects", "vsphere", "--state", "1,2,3,4,5,6"), List.of("object", "vsphere", objectId),
                    List.of("keys", "list"), List.of("keys", "get", "vsphere-root"), List.of("tokens", "list"));
            for (List<String> read : reads) { // in this JVM: the same code as the command's, without its start-up
                String table = kmipctlHere(read);
                assertTrue(!table.isBlank() && !table.startsWith("{") && !table.startsWith("["), read + ": " + table);
                List<String> asJson = new ArrayList<>(read);
                asJson.addAll(List.of("--output", "json"));
                assertTrue(JSON.readTree(kmipctlHere(asJson)).isContainerNode(), read + " as JSON");
            }
            assertTrue(kmipctl(0, "certs", "vsphere").output().contains("vcenter-csr"));

            // A rotation, followed until the re-seal of the adapter's live keys ends.
            CertificateAuthority.Issued vcenter = new CertificateAuthority.Issued(PemFiles.readCertificate(
                    issued.resolve("client.pem")), PemFiles.readPrivateKey(issued.resolve("client-key.pem")));
            try (KmipClient kmip = KmipClient.connect(TlsContexts.create(vcenter, PemFiles.readCertificate(
                    issued.resolve("ca.pem"))), "127.0.0.1", appliance.kmipPort(), ProtocolVersion.V1_1,
                    Duration.ofSeconds(30))) {
                for (int i = 0; i < 40; i++) {
                    kmip.createAesKey(256, 12);
                }
            }
            String rotated = kmipctl(0, "keys", "rotate", "vsphere-root", "--wait").output();
            assertTrue(rotated.contains("re-sealing KMIP keys [##############################] 40/40"), rotated);
            assertTrue(rotated.contains("to version 2: 40 of 40 KMIP keys re-sealed, 0 failed (finished)"), rotated);

            // kmipctl bench: the load harness from the operator's command line, with the certificate issued above
            // (after the rotation, whose count of keys re-sealed its keys would change).
            String benchOutput = kmipctl(0, "bench", "--port", String.valueOf(appliance.kmipPort()), "--cert",
                    issued.resolve("client.pem").toString(), "--key", issued.resolve("client-key.pem").toString(),
                    "--ca", issued.resolve("ca.pem").toString(), "--op", "getattr", "--keys", "5", "--connections", "2",
                    "--warmup", "0", "--seconds", "1", "--json").output();
            JsonNode bench = JSON.readTree(benchOutput.lines().filter(line -> line.startsWith("{")).findFirst()
                    .orElseThrow(() -> new AssertionError("no JSON result:\n" + benchOutput)));
            assertTrue(bench.path("ops_per_second").asDouble() > 0, benchOutput);
            assertTrue(kmipctl(0, "bench", "--help").output().contains("--new-connection-per-op"));

            // Bad input: what does not exist (3), what the appliance refuses (1), with its code.
            assertTrue(kmipctl(3, "adapter", "no-such-adapter").output().contains("KMIP_ADAPTER_NOT_FOUND_ERR"));
            assertTrue(kmipctl(1, "cert-create", "vsphere", "-c", "not a certificate").output()
                    .contains("INVALID_FIELD_ERR"));
            assertTrue(kmipctl(1, "adapters", "--token", "kmipapp_wrong").output().contains("UNAUTHORIZED_ERR"));
            assertTrue(kmipctl(2, "adapter-create", "missing-crk").output().contains("--crk"));
        }
    }
}
