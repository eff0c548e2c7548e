package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;

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
            client.createAdapter("recovery", client.createRootKey("recovery-root"));
            CertificateAuthority.Issued identity = client.registerClient("recovery", "recovery-client");
            String id;
            byte[] material;
            try (KmipClient kmip = client.kmip(identity)) {
                id = kmip.createAesKey(256, 12);
                material = kmip.getKeyMaterial(id);
            }

            Path tokens = state.resolve("softhsm/tokens");
            Path away = state.resolve("softhsm/tokens.away");
            try (KmipClient kmip = client.kmip(identity)) {
                Files.move(tokens, away);
                // Under the outage every request is answered, as a failure of the HSM, on a connection that stays.
                assertEquals(ResultReason.CRYPTOGRAPHIC_FAILURE, assertThrows(KmipException.class,
                        () -> kmip.getKeyMaterial(id)).reason());
                assertEquals(ResultReason.CRYPTOGRAPHIC_FAILURE, assertThrows(KmipException.class,
                        () -> kmip.createAesKey(256, 12)).reason());
                HttpResponse<String> refused = client.send("POST", "/api/v2/keys", "application/vnd.ibm.kms.key+json",
                        "{\"metadata\":{\"collectionType\":\"application/vnd.ibm.kms.key+json\",\"collectionTotal\":1},"
                                + "\"resources\":[{\"name\":\"during-outage\"}]}");
                assertEquals(503, refused.statusCode(), refused.body());
                assertEquals("HSM_UNAVAILABLE_ERR", JSON.readTree(refused.body()).at("/resources/0/reasons/0/code")
                        .asText());
                HttpResponse<String> down = client.send("GET", "/health", null, null);
                assertEquals(503, down.statusCode(), down.body());
                assertEquals("DOWN", JSON.readTree(down.body()).at("/checks/hsm").asText());
                assertTrue(first.process().waitFor(60, TimeUnit.SECONDS), "the appliance gave up on the HSM");
                assertEquals(Watchdog.EXIT_RESTART, first.process().exitValue(), "status 75: restart me");

                ApplianceProcess tooEarly = ApplianceProcess.launch(state, config, Map.of());
                assertTrue(tooEarly.process().waitFor(60, TimeUnit.SECONDS));
                assertEquals(Watchdog.EXIT_RESTART, tooEarly.process().exitValue(),
                        "a start while the token is still away is retried too: " + tooEarly.output());
                assertTrue(tooEarly.output().contains("cannot open the HSM token"), tooEarly.output());
            } finally {
                Files.move(away, tokens);
            }

            try (ApplianceProcess second = ApplianceProcess.start(state, config)) {
                ApplianceClient again = new ApplianceClient(second, admin);
                HttpResponse<String> up = again.send("GET", "/health", null, null);
                assertEquals(200, up.statusCode(), up.body());
                try (KmipClient kmip = again.kmip(identity)) {
                    assertArrayEquals(material, kmip.getKeyMaterial(id), "the key survived the outage");
                }
                JsonNode keys = JSON.readTree(again.send("GET", "/api/v2/keys", null, null).body());
                assertEquals("application/vnd.ibm.kms.key+json", keys.at("/metadata/collectionType").asText(),
                        "the initial admin token still works: nothing was lost");
            }
        }
    }
}
