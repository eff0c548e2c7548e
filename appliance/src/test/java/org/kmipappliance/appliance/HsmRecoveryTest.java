package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;

/**
 * The whole appliance as its own process (`serve`), with a SoftHSM2 token of its own: the token disappears, the
 * appliance reports itself unhealthy and, once the outage lasted hsm.restart-after-seconds, exits with status 75
 * for its service manager; started again with the token back, it serves again with nothing lost.
 */
class HsmRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STARTED = Pattern.compile("REST on https://127\\.0\\.0\\.1:(\\d+)");

    private record Running(Process process, int restPort) {
    }

    private static Process launch(Path state, Path config) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--state-dir",
                state.toString(), "--config", config.toString()).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmToken.configFile(state.resolve("softhsm")).toString());
        return builder.start();
    }

    private static Running start(Path state, Path config) throws Exception {
        Process process = launch(state, config);
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    Matcher started = STARTED.matcher(line);
                    if (started.find()) {
                        port.complete(Integer.parseInt(started.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("the appliance ended before it started"));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        });
        return new Running(process, port.get(120, TimeUnit.SECONDS));
    }

    private static HttpResponse<String> get(Path state, int port, String path, String token, String instance)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(TlsContexts.create(null,
                PemFiles.readCertificate(state.resolve("pki/ca.pem")))).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("authorization", "Bearer " + token).header("bluemix-instance", instance);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void hsmOutage_unhealthy_thenRestartForTheServiceManager_thenServingAgain() throws Exception {
        Path state = Path.of(System.getProperty("java.io.tmpdir"), "recovery-" + UUID.randomUUID());
        Files.createDirectories(state);
        Path config = state.resolve("config.yaml");
        Files.writeString(config, """
                kmip: {host: 127.0.0.1, port: 0}
                rest: {host: 127.0.0.1, port: 0}
                hsm: {restart-after-seconds: 3}
                root-keys: {rotation-interval-minutes: 0, enable-delay-seconds: 0}
                """);
        Running first = start(state, config);
        try {
            Path tokenFile = state.resolve(InitialAdmin.TOKEN_FILE);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.exists(tokenFile) && Files.readAllLines(tokenFile).size() == 2)
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            List<String> admin = Files.readAllLines(tokenFile);
            String instance = admin.get(0).substring("instance ".length());
            String token = admin.get(1).substring("token ".length());
            assertEquals(200, get(state, first.restPort(), "/health", null, null).statusCode());

            Path tokens = state.resolve("softhsm/tokens");
            Path away = state.resolve("softhsm/tokens.away");
            Files.move(tokens, away);
            try {
                HttpResponse<String> down = get(state, first.restPort(), "/health", null, null);
                assertEquals(503, down.statusCode(), down.body());
                assertEquals("DOWN", JSON.readTree(down.body()).at("/checks/hsm").asText());
                assertTrue(first.process().waitFor(60, TimeUnit.SECONDS), "the appliance gave up on the HSM");
                assertEquals(HsmWatchdog.EXIT_RESTART, first.process().exitValue(), "status 75: restart me");

                Process tooEarly = launch(state, config);
                String refusal = new String(tooEarly.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(tooEarly.waitFor(60, TimeUnit.SECONDS));
                assertEquals(HsmWatchdog.EXIT_RESTART, tooEarly.exitValue(),
                        "a start while the token is still away is retried too: " + refusal);
                assertTrue(refusal.contains("cannot open the HSM token"), refusal);
            } finally {
                Files.move(away, tokens);
            }

            Running second = start(state, config);
            try {
                HttpResponse<String> up = get(state, second.restPort(), "/health", null, null);
                assertEquals(200, up.statusCode(), up.body());
                JsonNode keys = JSON.readTree(get(state, second.restPort(), "/api/v2/keys", token, instance).body());
                assertEquals("application/vnd.ibm.kms.key+json", keys.at("/metadata/collectionType").asText(),
                        "the initial admin token still works: nothing was lost");
            } finally {
                second.process().destroy();
                assertTrue(second.process().waitFor(30, TimeUnit.SECONDS));
            }
        } finally {
            first.process().destroyForcibly();
        }
    }
}
