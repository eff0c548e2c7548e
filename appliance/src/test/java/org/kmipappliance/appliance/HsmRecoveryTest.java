package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole appliance as its own process ({@code serve}), with a SoftHSM2 token of its own: the token disappears, the
 * appliance reports itself unhealthy and, once the outage lasted hsm.restart-after-seconds, exits with status 75
 * for its service manager; started again with the token back, it serves again with nothing lost.
 */
class HsmRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void hsmOutage_unhealthy_thenRestartForTheServiceManager_thenServingAgain() throws Exception {
        Path state = Path.of(System.getProperty("java.io.tmpdir"), "recovery-" + UUID.randomUUID());
        Path config = ApplianceProcess.writeConfig(state, "hsm: {restart-after-seconds: 3}\n");
        try (ApplianceProcess first = ApplianceProcess.start(state, config)) {
            ApplianceProcess.Admin admin = first.admin();
            ApplianceClient client = new ApplianceClient(first, admin);
            assertEquals(200, client.send("GET", "/health", null, null).statusCode());

            Path tokens = state.resolve("softhsm/tokens");
            Path away = state.resolve("softhsm/tokens.away");
            Files.move(tokens, away);
            try {
                HttpResponse<String> down = client.send("GET", "/health", null, null);
                assertEquals(503, down.statusCode(), down.body());
                assertEquals("DOWN", JSON.readTree(down.body()).at("/checks/hsm").asText());
                assertTrue(first.process().waitFor(60, TimeUnit.SECONDS), "the appliance gave up on the HSM");
                assertEquals(HsmWatchdog.EXIT_RESTART, first.process().exitValue(), "status 75: restart me");

                ApplianceProcess tooEarly = ApplianceProcess.launch(state, config, Map.of());
                assertTrue(tooEarly.process().waitFor(60, TimeUnit.SECONDS));
                assertEquals(HsmWatchdog.EXIT_RESTART, tooEarly.process().exitValue(),
                        "a start while the token is still away is retried too: " + tooEarly.output());
                assertTrue(tooEarly.output().contains("cannot open the HSM token"), tooEarly.output());
            } finally {
                Files.move(away, tokens);
            }

            try (ApplianceProcess second = ApplianceProcess.start(state, config)) {
                ApplianceClient again = new ApplianceClient(second, admin);
                HttpResponse<String> up = again.send("GET", "/health", null, null);
                assertEquals(200, up.statusCode(), up.body());
                JsonNode keys = JSON.readTree(again.send("GET", "/api/v2/keys", null, null).body());
                assertEquals("application/vnd.ibm.kms.key+json", keys.at("/metadata/collectionType").asText(),
                        "the initial admin token still works: nothing was lost");
            }
        }
    }
}
