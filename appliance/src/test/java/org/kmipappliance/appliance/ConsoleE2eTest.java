package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.kmip.client.PyKmipConfig;
import org.kmipappliance.kmip.testing.PyKmip;

/**
 * The web console in a real browser: src/test/console/console.e2e.mjs drives Debian's headless Chromium with
 * playwright-core against an appliance in its own process, as an operator would (sign in, a root key, an adapter
 * with a certificate, its details, a second certificate, a KMIP key PyKMIP makes, the refused deletion, a rotation
 * watched to its end, the create flow by keyboard alone, a narrow window, a revoked token), and scans each main
 * screen with axe-core. Its screenshots are written to docs/console/, which the README shows.
 */
class ConsoleE2eTest {
    private static final Path CONSOLE_TESTS = Path.of("src/test/console");
    private static final Path SCREENSHOTS = Path.of("../docs/console");
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    Path directory;

    @Test
    void anOperator_runsTheConsole_endToEnd_inChromium() throws Exception {
        assertTrue(Files.isRegularFile(CONSOLE_TESTS.resolve("node_modules/playwright-core/package.json")),
                "the console test's npm packages are missing: run appliance/bin/run-tests, which installs them");
        Path state = Files.createDirectories(directory.resolve("state"));
        Path config = Files.writeString(directory.resolve("config.yaml"), """
                kmip: {host: 127.0.0.1, port: 0}
                rest: {host: 127.0.0.1, port: 0}
                """);
        CertificateAuthority clients = CertificateAuthority.create("console test clients", Duration.ofDays(1));
        CertificateAuthority.Issued first = clients.issueClient("console-first", Duration.ofDays(1));
        CertificateAuthority.Issued second = clients.issueClient("console-second", Duration.ofDays(1));
        Path files = Files.createDirectories(directory.resolve("clients"));
        Files.writeString(files.resolve("first.pem"), PemCertificates.toPem(first.certificate()));
        Files.writeString(files.resolve("first-key.pem"), PemFiles.privateKeyPem(first.privateKey()));
        Files.writeString(files.resolve("second.pem"), PemCertificates.toPem(second.certificate()));

        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            ApplianceProcess.Admin admin = appliance.admin();
            PyKmipConfig.write(files.resolve("pykmip.conf"), "127.0.0.1", appliance.kmipPort(),
                    files.resolve("first.pem"), files.resolve("first-key.pem"), state.resolve("pki/ca.pem"), true);
            List<String> pykmip = PyKmip.commandLine(files.resolve("pykmip.conf"), "1.2", "create-activate",
                    "console-key");
            ProcessBuilder node = new ProcessBuilder("node", "console.e2e.mjs").directory(CONSOLE_TESTS.toFile())
                    .redirectError(directory.resolve("node.err").toFile())
                    .redirectOutput(directory.resolve("node.out").toFile());
            node.environment().putAll(Map.of(
                    "BASE_URL", "https://localhost:" + appliance.restPort(),
                    "TOKEN", admin.token(),
                    "INSTANCE", admin.instance(),
                    "CERTIFICATE_1", files.resolve("first.pem").toString(),
                    "CERTIFICATE_2", files.resolve("second.pem").toString(),
                    "PYKMIP", new ObjectMapper().writeValueAsString(pykmip),
                    "SCREENSHOTS", SCREENSHOTS.toAbsolutePath().normalize().toString(),
                    // Node's own requests (the API calls of the test) trust the appliance's CA, nothing more.
                    "NODE_EXTRA_CA_CERTS", state.resolve("pki/ca.pem").toString()));
            Process run = node.start();
            boolean finished = run.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                run.destroyForcibly();
            }
            String out = Files.readString(directory.resolve("node.out"), StandardCharsets.UTF_8);
            String err = Files.readString(directory.resolve("node.err"), StandardCharsets.UTF_8);
            assertTrue(finished, "the browser test did not finish within " + TIMEOUT + ": " + out + err);
            assertEquals(0, run.exitValue(), "the browser test failed:\n" + err + "\n" + out);
            assertTrue(out.contains("\"checks\""), out);
        }
        for (String screen : List.of("sign-in", "adapters-empty", "create-adapter", "adapters", "adapter-details",
                "root-keys", "adapters-narrow")) {
            assertTrue(Files.size(SCREENSHOTS.resolve(screen + ".png")) > 1000, screen + " was captured");
        }
    }
}
