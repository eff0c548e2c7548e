package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.LifecycleEvent;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.hsm.RootKeyState;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.jooq.Tables;
import org.kmipappliance.hsm.store.jooq.tables.records.AuditEventsRecord;
import org.kmipappliance.hsm.testing.ControlledHsm;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/** The REST tier over real HTTPS, against a real custody module. */
class KeyProtectApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static ControlledHsm hsm;
    private static RestServer server;
    private static HttpClient http;
    private static Instance instance;
    private static String managerToken;
    private static String readerToken;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        hsm = new ControlledHsm(TestHsm.hsm());
        custody = new KeyCustody(hsm, database, Clock.systemUTC());
        instance = custody.access().createInstance("rest-test", TESTER);
        managerToken = custody.access().issueToken(instance.id(), "manager", EnumSet.of(Role.MANAGER), null, TESTER).secret();
        readerToken = custody.access().issueToken(instance.id(), "reader", EnumSet.of(Role.READER), null, TESTER).secret();
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start("127.0.0.1", 0, identity.privateKey(), List.of(identity.certificate()), custody,
                TestOnboarding.presenting(identity));
        http = HttpClient.newBuilder()
                .sslContext(TlsContexts.create(null, TestCertificates.authority().certificate()))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    private record Reply(int status, JsonNode body, HttpResponse<String> raw) {
    }

    private static Reply call(String method, String path, String body, String token, String instanceId)
            throws Exception {
        return call(method, path, body, token, instanceId, "corr-123");
    }

    private static Reply call(String method, String path, String body, String token, String instanceId,
                              String correlation) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        if (instanceId != null) {
            request.header("bluemix-instance", instanceId);
        }
        if (correlation != null) {
            request.header("correlation-id", correlation);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? null : JSON.readTree(response.body());
        return new Reply(response.statusCode(), json, response);
    }

    private static Reply asManager(String method, String path, String body) throws Exception {
        return call(method, path, body, managerToken, instance.id().toString());
    }

    private static String envelope(String type, String resource) {
        return "{\"metadata\":{\"collectionType\":\"" + type + "\",\"collectionTotal\":1},\"resources\":[" + resource
                + "]}";
    }

    private static String errorCode(Reply reply) {
        assertEquals("application/vnd.ibm.kms.error+json", reply.body().at("/metadata/collectionType").asText());
        return reply.body().at("/resources/0/reasons/0/code").asText();
    }

    private static String createRootKey(String name) throws Exception {
        Reply created = asManager("POST", "/api/v2/keys", envelope("application/vnd.ibm.kms.key+json",
                "{\"name\":\"" + name + "\",\"type\":\"application/vnd.ibm.kms.key+json\",\"extractable\":false}"));
        assertEquals(201, created.status(), created.raw().body());
        return created.body().at("/resources/0/id").asText();
    }

    /** Registers a client certificate over REST and returns the caller custody now sees for it. */
    private static KmipCaller registerClient(String adapter, String pem, String certificateName) throws Exception {
        Reply registered = asManager("POST", "/api/v2/kmip_adapters/" + adapter + "/certificates", envelope(
                "application/json", "{\"certificate\":" + JSON.writeValueAsString(pem) + ",\"name\":\""
                        + certificateName + "\"}"));
        assertEquals(201, registered.status(), registered.raw().body());
        return custody.certificates().identify(PemCertificates.sha256Fingerprint(PemCertificates.parse(pem)))
                .orElseThrow();
    }

    private static JsonNode createAdapter(String name, String crkId) throws Exception {
        Reply created = asManager("POST", "/api/v2/kmip_adapters", envelope(
                "application/vnd.ibm.kms.kmip_adapter+json", "{\"profile\":\"native_1.0\",\"profile_data\":"
                        + "{\"crk_id\":\"" + crkId + "\"},\"name\":\"" + name + "\",\"description\":\"\"}"));
        assertEquals(201, created.status(), created.raw().body());
        return created.body().at("/resources/0");
    }

    @Test
    void missingOrWrongCredentials_get401InTheErrorEnvelope() throws Exception {
        for (Reply reply : List.of(
                call("GET", "/api/v2/kmip_adapters", null, null, instance.id().toString()),
                call("GET", "/api/v2/kmip_adapters", null, managerToken + "x", instance.id().toString()),
                call("GET", "/api/v2/kmip_adapters", null, managerToken, UUID.randomUUID().toString()),
                call("GET", "/api/v2/kmip_adapters", null, managerToken, null),
                call("GET", "/api/v2/kmip_adapters", null, readerToken, instance.id().toString()))) {
            assertEquals(401, reply.status());
            assertEquals("UNAUTHORIZED_ERR", errorCode(reply));
            assertTrue(reply.body().at("/resources/0/errorMsg").asText().startsWith("Unauthorized"));
        }
    }

    @Test
    void rootKeys_areCreatedAndListed() throws Exception {
        String id = createRootKey("listed-root");
        Reply list = call("GET", "/api/v2/keys?totalCount=true", null, readerToken, instance.id().toString());
        assertEquals(200, list.status());
        assertTrue(list.body().at("/metadata/totalCount").asLong() >= 1);
        boolean found = false;
        for (JsonNode key : list.body().get("resources")) {
            if (key.get("id").asText().equals(id)) {
                found = true;
                assertEquals(1, key.get("state").asInt());
                assertFalse(key.get("extractable").asBoolean());
                assertEquals("listed-root", key.get("name").asText());
            }
        }
        assertTrue(found);
        assertEquals("corr-123", list.raw().headers().firstValue("correlation-id").orElse(null));
    }

    @Test
    void rootKeyActions_rotateDisableEnableDelete_asKeyProtectAnswers() throws Exception {
        String id = createRootKey("actions-root");
        String adapter = createAdapter("actions-adapter", id).get("id").asText();
        KmipCaller caller = registerClient(adapter, TestCertificates.clientPem("actions-client"), "actions-client");
        UUID object = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();

        for (String body : Arrays.asList(null, "", "{}", "null")) {
            Reply rotated = asManager("POST", "/api/v2/keys/" + id + "/actions/rotate", body);
            if (rotated.status() == 204) {
                assertEquals("", rotated.raw().body());
                continue;
            }
            assertEquals(409, rotated.status(), rotated.raw().body());
            assertEquals("KEY_ROTATION_NOT_PERMITTED", errorCode(rotated), "one rotation per hour");
        }
        Reply versions = asManager("GET", "/api/v2/keys/" + id + "/versions", null);
        assertEquals(2, versions.body().get("resources").size());
        Reply key = asManager("GET", "/api/v2/keys/" + id + "/metadata", null);
        assertTrue(key.body().at("/resources/0").has("lastRotateDate"));
        assertEquals("default", key.body().at("/resources/0/keyRingID").asText(), "the one key ring");
        assertEquals(versions.body().at("/resources/0/id"), key.body().at("/resources/0/keyVersion/id"));
        assertEquals(versions.body().at("/resources/0/creationDate"),
                key.body().at("/resources/0/keyVersion/creationDate"), "when the current version was made");
        Reply older = asManager("GET", "/api/v2/keys/" + id + "/versions?limit=1&offset=1&totalCount=true", null);
        assertEquals(1, older.body().get("resources").size(), "versions are paged");
        assertEquals(versions.body().at("/resources/1/id"), older.body().at("/resources/0/id"));
        assertEquals(2, older.body().at("/metadata/totalCount").asInt());
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode progress = asManager("GET", "/api/v2/keys/" + id + "/rewrap", null).body().at("/resources/0");
        while (!progress.get("state").asText().equals("finished") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            progress = asManager("GET", "/api/v2/keys/" + id + "/rewrap", null).body().at("/resources/0");
        }
        assertEquals("finished", progress.get("state").asText());
        assertEquals(1, progress.get("done").asInt());

        assertEquals(204, asManager("POST", "/api/v2/keys/" + id + "?action=disable", "null").status(),
                "the legacy ?action= form");
        assertEquals(2, asManager("GET", "/api/v2/keys/" + id, null).body().at("/resources/0/state").asInt());
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE, assertThrows(
                CustodyException.class, () -> custody.objects().openMaterial(caller, object)).failure());
        Reply again = asManager("POST", "/api/v2/keys/" + id + "/actions/disable", null);
        assertEquals("KEY_ACTION_INVALID_STATE_ERR", errorCode(again));
        Reply early = asManager("POST", "/api/v2/keys/" + id + "/actions/enable", "{}");
        assertEquals(409, early.status());
        assertEquals("REQ_TOO_EARLY_ERR", errorCode(early), "enable only 30 seconds after disable");
        String wait = early.body().at("/resources/0/reasons/0/message").asText();
        assertTrue(wait.matches("The key was updated recently: please wait ([1-9]|[12][0-9]|30) more seconds? and try "
                + "again"), "what is left of the 30 seconds: " + wait);
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("POST", "/api/v2/keys/" + id
                + "/actions/wrap", "{}")));

        Reply protectedKey = asManager("DELETE", "/api/v2/keys/" + id, null);
        assertEquals(409, protectedKey.status());
        assertEquals("PROTECTED_RESOURCE_ERR", errorCode(protectedKey));
        // An operator whose policy has no enable delay (the same records, another rule set).
        try (KeyCustody noDelay = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(),
                RootKeyPolicy.NONE)) {
            noDelay.rootKeys().enable(instance.id(), id, TESTER);
        }
        assertEquals(204, asManager("DELETE", "/api/v2/kmip_adapters/" + adapter + "/kmip_objects/" + object
                + "?force=true", null).status());
        assertEquals(204, asManager("DELETE", "/api/v2/kmip_adapters/" + adapter, null).status());
        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                        + server.port() + "/api/v2/keys/" + id)).DELETE()
                .header("authorization", "Bearer " + managerToken).header("bluemix-instance", instance.id().toString())
                .header("Prefer", "return=representation").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, deleted.statusCode(), deleted.body());
        JsonNode deletedKey = JSON.readTree(deleted.body()).at("/resources/0");
        assertEquals(5, deletedKey.get("state").asInt());
        assertTrue(deletedKey.get("deleted").asBoolean());
        Instant deletionDate = Instant.parse(deletedKey.get("deletionDate").asText());
        assertEquals(deletedKey.get("createdBy").asText(), deletedKey.get("deletedBy").asText(),
                "deleted by the manager's token, which made it");
        assertFalse(deletedKey.get("purgeAllowed").asBoolean(), "Key Protect's 4 hours have not passed");
        assertEquals(deletionDate.plus(Duration.ofHours(4)), Instant.parse(deletedKey.get("purgeAllowedFrom")
                .asText()));
        assertEquals(deletionDate.plus(Duration.ofDays(90)), Instant.parse(deletedKey.get("purgeScheduledOn")
                .asText()));
        Reply purgeTooEarly = asManager("DELETE", "/api/v2/keys/" + id + "/purge", null);
        assertEquals(409, purgeTooEarly.status());
        assertEquals("REQ_TOO_EARLY_ERR", errorCode(purgeTooEarly));
        String purgeWait = purgeTooEarly.body().at("/resources/0/reasons/0/message").asText();
        assertTrue(purgeWait.contains("in 240 minutes") || purgeWait.contains("in 239 minutes"), purgeWait);
        // Restore (201, the key back as it was), then delete again for the rest of the test.
        Reply restored = asManager("POST", "/api/v2/keys/" + id + "/restore", null);
        assertEquals(201, restored.status(), restored.raw().body());
        assertEquals(1, restored.body().at("/resources/0/state").asInt());
        assertFalse(restored.body().at("/resources/0").has("deletionDate"));
        assertEquals("KEY_ACTION_INVALID_STATE_ERR", errorCode(asManager("POST", "/api/v2/keys/" + id + "/restore",
                null)), "only a deleted key is restored");
        assertEquals(204, asManager("DELETE", "/api/v2/keys/" + id, null).status());
        Reply listed = asManager("GET", "/api/v2/keys?state=5", null);
        assertTrue(listed.raw().body().contains(id), "deleted keys are listed with state=5");
        assertFalse(asManager("GET", "/api/v2/keys", null).raw().body().contains(id), "and not by default");

        // Key Protect's count: HEAD with the list's filters answers Key-Total; 0 (Pre-activation) is a valid filter.
        long all = asManager("GET", "/api/v2/keys?state=0,1,2,3,5&limit=5000", null).body().get("resources").size();
        Reply count = asManager("HEAD", "/api/v2/keys?state=0,1,2,3,5", null);
        assertEquals(200, count.status());
        assertEquals(Long.toString(all), count.raw().headers().firstValue("key-total").orElseThrow());
        assertEquals("0", asManager("HEAD", "/api/v2/keys?state=0", null).raw().headers().firstValue("key-total")
                .orElseThrow(), "no key here is ever Pre-activation");
        assertEquals(0, asManager("GET", "/api/v2/keys?state=0", null).body().get("resources").size());
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("GET", "/api/v2/keys?state=4", null)));
    }

    @Test
    void dualAuthorization_aSecondManagerDeletes_afterTheFirstSetTheKeyForDeletion() throws Exception {
        String secondManager = custody.access().issueToken(instance.id(), "second manager", EnumSet.of(Role.MANAGER),
                null, TESTER).secret();
        Reply created = asManager("POST", "/api/v2/keys_with_policy_overrides", envelope(
                "application/vnd.ibm.kms.key+json", "{\"name\":\"dual-auth\",\"dualAuthDelete\":{\"enabled\":true}}"));
        assertEquals(201, created.status(), created.raw().body());
        String id = created.body().at("/resources/0/id").asText();
        assertTrue(created.body().at("/resources/0/dualAuthDelete/enabled").asBoolean());

        assertEquals("AUTHORIZATIONS_NOT_MET", errorCode(asManager("DELETE", "/api/v2/keys/" + id, null)),
                "nobody set it for deletion");
        assertEquals(204, asManager("POST", "/api/v2/keys/" + id + "/actions/setKeyForDeletion", "null").status());
        JsonNode set = asManager("GET", "/api/v2/keys/" + id, null).body().at("/resources/0/dualAuthDelete");
        assertTrue(set.get("keySetForDeletion").asBoolean());
        assertTrue(Instant.parse(set.get("authExpiration").asText()).isAfter(Instant.now().plus(Duration.ofDays(6))),
                "Key Protect's seven days");
        assertEquals("NOT_DUAL_AUTH_ERR", errorCode(asManager("DELETE", "/api/v2/keys/" + id, null)),
                "the manager who set it may not also delete it");
        assertEquals(204, call("DELETE", "/api/v2/keys/" + id, null, secondManager, instance.id().toString())
                .status(), "a second manager deletes it");
        assertEquals(5, asManager("GET", "/api/v2/keys/" + id, null).body().at("/resources/0/state").asInt());

        String later = createRootKey("dual-auth-later");
        Reply policy = asManager("PUT", "/api/v2/keys/" + later + "/policies?policy=dualAuthDelete", envelope(
                "application/vnd.ibm.kms.policy+json", "{\"type\":\"application/vnd.ibm.kms.policy+json\","
                        + "\"dualAuthDelete\":{\"enabled\":true}}"));
        assertEquals(200, policy.status(), policy.raw().body());
        assertTrue(asManager("GET", "/api/v2/keys/" + later + "/policies", null).body()
                .at("/resources/0/dualAuthDelete/enabled").asBoolean());
        assertEquals("KEY_ACTION_INVALID_STATE_ERR", errorCode(asManager("PUT", "/api/v2/keys/" + later
                + "/policies?policy=dualAuthDelete", envelope("application/vnd.ibm.kms.policy+json",
                "{\"dualAuthDelete\":{\"enabled\":false}}"))), "it cannot be turned off once on");
        assertEquals(204, asManager("POST", "/api/v2/keys/" + later + "/actions/setKeyForDeletion", null).status());
        assertEquals(204, asManager("POST", "/api/v2/keys/" + later + "/actions/unsetKeyForDeletion", null)
                .status());
        assertEquals("AUTHORIZATIONS_NOT_MET", errorCode(call("DELETE", "/api/v2/keys/" + later, null, secondManager,
                instance.id().toString())), "withdrawn");
        assertEquals("KEY_ACTION_INVALID_STATE_ERR", errorCode(asManager("POST", "/api/v2/keys/"
                + createRootKey("no-policy") + "/actions/setKeyForDeletion", null)), "no dual authorization policy");
    }

    @Test
    void usage_answersTodaysFigures_andRefusesABackwardRange() throws Exception {
        createRootKey("metered");
        long versions = custody.rootKeys().list(instance.id(), EnumSet.allOf(RootKeyState.class), 5000, 0).items()
                .stream().filter(key -> key.state() != RootKeyState.DESTROYED).count();
        Reply usage = call("GET", "/api/v2/appliance/usage", null, readerToken, instance.id().toString());
        assertEquals(200, usage.status(), usage.raw().body());
        JsonNode today = usage.body().get("resources").get(usage.body().get("resources").size() - 1);
        assertEquals(LocalDate.now(ZoneOffset.UTC).toString(), today.get("date").asText());
        assertTrue(today.get("rootKeyVersions").asInt() >= versions, "at least a version per live key: " + today);
        assertEquals(today.get("kmipKeys").asInt() + today.get("rootKeyVersions").asInt(),
                today.get("keyVersions").asInt(), "Key Protect bills both, each KMIP key as one version");
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("GET", "/api/v2/appliance/usage?from=2026-02-01"
                + "&to=2026-01-01", null)));
    }

    /** The ids a GET /api/v2/keys answers, in its order. */
    private static List<String> listedIds(String query) throws Exception {
        Reply listed = asManager("GET", "/api/v2/keys?" + query, null);
        assertEquals(200, listed.status(), listed.raw().body());
        List<String> ids = new ArrayList<>();
        listed.body().get("resources").forEach(key -> ids.add(key.get("id").asText()));
        return ids;
    }

    private static String encoded(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void listParameters_searchFilterSortAndExtractable_asKeyProtectDefinesThem() throws Exception {
        String tag = "list" + UUID.randomUUID().toString().substring(0, 8);
        String alpha = createRootKey(tag + "-alpha");
        String beta = createRootKey(tag + "-beta");
        String gamma = createRootKey(tag + "-gamma");
        assertEquals(201, asManager("POST", "/api/v2/keys/" + gamma + "/aliases/" + tag + "_special", null).status());
        Instant alphaCreated = Instant.parse(asManager("GET", "/api/v2/keys/" + alpha, null).body()
                .at("/resources/0/creationDate").asText());

        assertEquals(List.of(gamma, beta, alpha), listedIds("search=" + tag), "names and aliases, newest first");
        assertEquals(List.of(beta), listedIds("search=name:" + tag + "-BETA"), "case-insensitive, names only");
        assertEquals(List.of(beta), listedIds("search=exact:" + tag + "-beta"));
        assertEquals(List.of(), listedIds("search=exact:" + tag + "-bet"), "exact: the whole name");
        assertEquals(List.of(gamma), listedIds("search=alias:" + tag + "_"), "aliases only; '_' is literal");
        assertEquals(List.of(gamma), listedIds("search=" + gamma), "a key's id");
        List<String> notBeta = listedIds("search=" + encoded("not:" + tag + "-beta") + "&limit=5000");
        assertTrue(notBeta.containsAll(List.of(alpha, gamma)) && !notBeta.contains(beta), notBeta.toString());
        assertEquals(List.of(), listedIds("search=" + encoded("escape:not:" + tag)), "escape: the rest is text");

        List<String> ascending = new ArrayList<>(List.of(alpha, beta, gamma));
        ascending.sort(Comparator.naturalOrder());
        assertEquals(ascending, listedIds("search=" + tag + "&sort=id"));
        assertEquals(ascending.reversed(), listedIds("search=" + tag + "&sort=-id"));
        assertEquals(List.of(alpha, beta, gamma), listedIds("search=" + tag + "&sort=creationDate,id"));
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("GET", "/api/v2/keys?sort=name", null)));

        String since = encoded("creationDate=gte:\"" + alphaCreated + "\"");
        assertEquals(List.of(gamma, beta, alpha), listedIds("search=" + tag + "&filter=" + since));
        assertEquals(List.of(), listedIds("search=" + tag + "&filter=" + encoded("creationDate=lt:\""
                + alphaCreated + "\"")));
        assertEquals(List.of(gamma, beta, alpha), listedIds("search=" + tag + "&filter="
                + encoded("lastRotateDate=none state=1")), "never rotated, Active");
        assertEquals(List.of(), listedIds("search=" + tag + "&filter=" + encoded("state=5")));
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("GET", "/api/v2/keys?filter="
                + encoded("color=red"), null)));
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("GET", "/api/v2/keys?filter="
                + encoded("creationDate=yesterday"), null)));

        assertEquals(List.of(), listedIds("search=" + tag + "&extractable=true"), "standard keys are not held");
        assertEquals(List.of(gamma, beta, alpha), listedIds("search=" + tag + "&extractable=false"));
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(asManager("GET", "/api/v2/keys?extractable=maybe",
                null)));
        assertEquals("3", asManager("HEAD", "/api/v2/keys?search=" + tag, null).raw().headers()
                .firstValue("key-total").orElseThrow(), "HEAD counts with the same parameters");
    }

    @Test
    void expirationDate_isKept_checked_andDeactivatesTheKeyWhenItComes() throws Exception {
        String type = "application/vnd.ibm.kms.key+json";
        for (String bad : List.of("\"next tuesday\"", "\"2001-01-01T00:00:00Z\"", "42")) {
            Reply refused = asManager("POST", "/api/v2/keys", envelope(type, "{\"name\":\"expiring-bad\","
                    + "\"extractable\":false,\"expirationDate\":" + bad + "}"));
            assertEquals(400, refused.status(), bad);
            assertEquals("INVALID_FIELD_ERR", errorCode(refused), bad);
        }
        Instant expires = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
        Reply created = asManager("POST", "/api/v2/keys", envelope(type, "{\"name\":\"expiring\",\"extractable\""
                + ":false,\"expirationDate\":\"" + expires + "\"}"));
        assertEquals(201, created.status(), created.raw().body());
        String id = created.body().at("/resources/0/id").asText();
        assertEquals(expires, Instant.parse(created.body().at("/resources/0/expirationDate").asText()));
        assertEquals(1, created.body().at("/resources/0/state").asInt());
        custody.rootKeys().expireDue(expires.plusSeconds(1)); // what the maintenance does when the date comes
        JsonNode expired = asManager("GET", "/api/v2/keys/" + id, null).body().at("/resources/0");
        assertEquals(3, expired.get("state").asInt(), "Deactivated (expired)");
        assertTrue(asManager("GET", "/api/v2/keys?state=3", null).raw().body().contains(id));
        assertEquals("KEY_ACTION_INVALID_STATE_ERR", errorCode(asManager("POST", "/api/v2/keys/" + id
                + "/actions/enable", null)));
    }

    @Test
    void aliases_overRest() throws Exception {
        Reply created = asManager("POST", "/api/v2/keys", envelope("application/vnd.ibm.kms.key+json",
                "{\"name\":\"aliased-root\",\"extractable\":false,\"aliases\":[\"rest-alias-1\"]}"));
        assertEquals(201, created.status(), created.raw().body());
        String id = created.body().at("/resources/0/id").asText();
        assertEquals("rest-alias-1", created.body().at("/resources/0/aliases/0").asText());
        Reply added = asManager("POST", "/api/v2/keys/" + id + "/aliases/rest-alias-2", null);
        assertEquals(201, added.status(), added.raw().body());
        assertEquals(id, added.body().at("/resources/0/keyId").asText());
        assertEquals(id, asManager("GET", "/api/v2/keys/rest-alias-2", null).body().at("/resources/0/id").asText());
        assertEquals("KEY_ALIAS_NOT_UNIQUE_ERR", errorCode(asManager("POST", "/api/v2/keys/" + id
                + "/aliases/rest-alias-1", null)));
        assertEquals(201, asManager("POST", "/api/v2/kmip_adapters", envelope("application/json",
                "{\"profile\":\"native_1.0\",\"profile_data\":{\"crk_id\":\"rest-alias-2\"}}")).status(),
                "crk_id may be an alias");
        assertEquals(204, asManager("DELETE", "/api/v2/keys/" + id + "/aliases/rest-alias-1", null).status());
        assertEquals("KEY_NOT_FOUND_ERR", errorCode(asManager("GET", "/api/v2/keys/rest-alias-1", null)));
    }

    @Test
    void hsmRefusal_is503InTheErrorEnvelope_withoutInternals() throws Exception {
        String id = createRootKey("hsm-refusal");
        hsm.refuseNext(ControlledHsm.Point.BEFORE_CREATE_ROOT_KEY, label -> label.startsWith("crk-" + id + "-v2-"));
        Reply refused = asManager("POST", "/api/v2/keys/" + id + "/actions/rotate", null);
        assertEquals(503, refused.status());
        assertEquals("HSM_UNAVAILABLE_ERR", errorCode(refused));
        assertFalse(refused.raw().body().contains("crk-"), "no HSM labels or internals in the answer");
        assertEquals(1, asManager("GET", "/api/v2/keys/" + id + "/versions", null).body().get("resources").size(),
                "nothing half-written");
    }

    @Test
    void standardKeys_areRefused() throws Exception {
        Reply reply = asManager("POST", "/api/v2/keys", envelope("application/vnd.ibm.kms.key+json",
                "{\"name\":\"std\",\"extractable\":true}"));
        assertEquals(400, reply.status());
        assertEquals("INVALID_FIELD_ERR", errorCode(reply));
        assertEquals("extractable", reply.body().at("/resources/0/reasons/0/target/name").asText());
    }

    @Test
    void adapters_followTheContract() throws Exception {
        String crk = createRootKey("adapter-root");
        JsonNode adapter = createAdapter("vsphere-prod", crk);
        assertEquals("native_1.0", adapter.get("profile").asText());
        assertEquals(crk, adapter.at("/profile_data/crk_id").asText());
        assertEquals("", adapter.get("description").asText());
        for (String field : List.of("id", "created_at", "created_by", "updated_at", "updated_by")) {
            assertTrue(adapter.hasNonNull(field), field);
        }

        Reply byName = asManager("GET", "/api/v2/kmip_adapters/vsphere-prod", null);
        assertEquals(200, byName.status());
        assertEquals(adapter.get("id"), byName.body().at("/resources/0/id"));
        Reply byId = asManager("GET", "/api/v2/kmip_adapters/" + adapter.get("id").asText(), null);
        assertEquals(adapter, byId.body().at("/resources/0"));

        Reply duplicate = asManager("POST", "/api/v2/kmip_adapters", envelope("application/json",
                "{\"profile\":\"native_1.0\",\"profile_data\":{\"crk_id\":\"" + crk + "\"},\"name\":\"vsphere-prod\"}"));
        assertEquals(409, duplicate.status());
        assertEquals("KMIP_ADAPTER_DUPLICATE_NAME_ERR", errorCode(duplicate));

        Reply unknownCrk = asManager("POST", "/api/v2/kmip_adapters", envelope("application/json",
                "{\"profile\":\"native_1.0\",\"profile_data\":{\"crk_id\":\"" + UUID.randomUUID() + "\"}}"));
        assertEquals("NATIVE_CRK_ID_NOT_FOUND_ERR", errorCode(unknownCrk));

        Reply missing = asManager("GET", "/api/v2/kmip_adapters/no-such-adapter", null);
        assertEquals(404, missing.status());
        assertEquals("KMIP_ADAPTER_NOT_FOUND_ERR", errorCode(missing));

        // The event is written once the response is out, so it may land a moment after the client has it.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (custody.audit().countFor("/api/v2/kmip_adapters/vsphere-prod") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(custody.audit().countFor("/api/v2/kmip_adapters/vsphere-prod") >= 1,
                "management calls are audited: " + database.dsl().fetch("select action, target, outcome from audit_events"));
        Reply list = asManager("GET", "/api/v2/kmip_adapters?limit=0&totalCount=true&crk_id=" + crk, null);
        assertEquals(1, list.body().at("/metadata/collectionTotal").asInt());
        assertEquals(1, list.body().at("/metadata/totalCount").asInt());
        assertEquals(201, asManager("POST", "/api/v2/keys/" + crk + "/aliases/vsphere-prod-crk", null).status());
        assertEquals(1, asManager("GET", "/api/v2/kmip_adapters?crk_id=vsphere-prod-crk", null).body()
                .get("resources").size(), "the filter takes an alias, as adapter creation does");
        Reply none = asManager("GET", "/api/v2/kmip_adapters?crk_id=no-such-key", null);
        assertEquals(200, none.status(), "a key that does not exist has no adapters");
        assertEquals(0, none.body().get("resources").size());
    }

    @Test
    void certificates_areAddedListedWithoutPemAndUniqueAcrossAdapters() throws Exception {
        String crk = createRootKey("cert-root");
        String adapter = createAdapter("certs-a", crk).get("id").asText();
        createAdapter("certs-b", crk);
        String pem = TestCertificates.clientPem("vcenter");
        String body = envelope("application/vnd.ibm.kms.kmip_client_certificate+json",
                "{\"certificate\":" + JSON.writeValueAsString(pem) + ",\"name\":\"vcenter-cert\"}");
        JsonNode before = asManager("GET", "/api/v2/kmip_adapters/certs-a", null).body().at("/resources/0");
        Reply added = asManager("POST", "/api/v2/kmip_adapters/" + adapter + "/certificates", body);
        assertEquals(201, added.status(), added.raw().body());
        assertEquals("vcenter-cert", added.body().at("/resources/0/name").asText());
        JsonNode after = asManager("GET", "/api/v2/kmip_adapters/certs-a", null).body().at("/resources/0");
        assertTrue(Instant.parse(after.get("updated_at").asText()).isAfter(Instant.parse(before.get("updated_at")
                .asText())), "a certificate added changes its adapter");
        assertEquals(added.body().at("/resources/0/created_by").asText(), after.get("updated_by").asText());

        Reply list = asManager("GET", "/api/v2/kmip_adapters/certs-a/certificates", null);
        assertEquals(1, list.body().get("resources").size());
        assertFalse(list.body().at("/resources/0").has("certificate"), "listing leaves the PEM out");

        Reply one = asManager("GET", "/api/v2/kmip_adapters/certs-a/certificates/vcenter-cert", null);
        assertEquals(PemCertificates.sha256Fingerprint(PemCertificates.parse(pem)), PemCertificates
                .sha256Fingerprint(PemCertificates.parse(one.body().at("/resources/0/certificate").asText())));

        Reply again = asManager("POST", "/api/v2/kmip_adapters/certs-b/certificates", body);
        assertEquals(409, again.status());
        assertEquals("KMIP_CERT_DUPLICATE_ERR", errorCode(again));

        Reply invalid = asManager("POST", "/api/v2/kmip_adapters/certs-b/certificates", envelope("application/json",
                "{\"certificate\":\"-----BEGIN CERTIFICATE-----\\nnot base64!\\n-----END CERTIFICATE-----\"}"));
        assertEquals(400, invalid.status());
        assertEquals("INVALID_FIELD_ERR", errorCode(invalid));
        Reply notDer = asManager("POST", "/api/v2/kmip_adapters/certs-b/certificates", envelope("application/json",
                "{\"certificate\":\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\"}"));
        assertEquals("INVALID_FIELD_ERR", errorCode(notDer));
        String reason = notDer.body().at("/resources/0/reasons/0/message").asText();
        assertTrue(reason.contains("does not hold a valid X.509 certificate") && !reason.contains("java."), reason);

        assertEquals(204, asManager("DELETE", "/api/v2/kmip_adapters/certs-a/certificates/vcenter-cert", null)
                .status());
        JsonNode afterDelete = asManager("GET", "/api/v2/kmip_adapters/certs-a", null).body().at("/resources/0");
        assertTrue(Instant.parse(afterDelete.get("updated_at").asText()).isAfter(Instant.parse(after.get(
                "updated_at").asText())), "and so does one removed");
    }

    @Test
    void issuedCertificates_areRegistered_andTheirKeyIsAnsweredOnceAndKeptNowhere() throws Exception {
        String crk = createRootKey("issue-root");
        String adapter = createAdapter("onboard-issue", crk).get("id").asText();
        String path = "/api/v2/kmip_adapters/onboard-issue/certificates/issue";
        Reply issued = asManager("POST", path, envelope("application/json", "{\"name\":\"vcenter-issued\"}"));
        assertEquals(201, issued.status(), issued.raw().body());
        assertEquals("no-store", issued.raw().headers().firstValue("cache-control").orElse(""),
                "a response with a private key is never cached");
        JsonNode resource = issued.body().at("/resources/0");
        assertEquals("RSA-2048", resource.get("key_type").asText(), "RSA-2048 unless asked: every vCenter reads it");
        X509Certificate certificate = PemCertificates.parse(resource.get("certificate").asText());
        PrivateKey key = PemFiles.parsePrivateKey(resource.get("private_key").asText());
        assertTrue(TestCertificates.isKeyOf(certificate, key), "the key is the certificate's");
        certificate.verify(TestCertificates.authority().certificate().getPublicKey());
        assertEquals(PemCertificates.toPem(TestCertificates.authority().certificate()),
                resource.get("ca_certificate").asText());
        assertTrue(resource.get("kmip_server_chain").asText().endsWith(
                PemCertificates.toPem(TestCertificates.authority().certificate())), "the chain ends at what the "
                + "client must trust");
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), certificate.getExtendedKeyUsage(), "TLS client only");
        assertEquals("CN=kmip-client-onboard-issue", certificate.getSubjectX500Principal().getName());
        assertEquals(adapter, custody.certificates().identify(PemCertificates.sha256Fingerprint(certificate))
                .orElseThrow().adapterId().toString(), "registered to the adapter at once");
        Reply fetched = asManager("GET", "/api/v2/kmip_adapters/onboard-issue/certificates/vcenter-issued", null);
        assertFalse(fetched.body().at("/resources/0").has("private_key"), "the key is answered once, never again");
        String keyText = Base64.getEncoder().encodeToString(key.getEncoded());
        String stored = database.dsl().fetch("select * from kmip_client_certificates").formatCSV()
                + database.dsl().fetch("select * from audit_events").formatCSV();
        assertFalse(stored.contains(keyText.substring(120, 160)), "no copy of the key in the database (a part of it "
                + "past the PKCS#8 header every RSA-2048 key shares)");

        Reply ec = asManager("POST", path, envelope("application/json", "{\"key_type\":\"ec-p256\","
                + "\"common_name\":\"a, O=evil\",\"validity_days\":1}"));
        assertEquals(201, ec.status(), ec.raw().body());
        X509Certificate ecCertificate = PemCertificates.parse(ec.body().at("/resources/0/certificate").asText());
        assertTrue(TestCertificates.isKeyOf(ecCertificate, PemFiles.parsePrivateKey(ec.body()
                .at("/resources/0/private_key").asText())), "the key is the certificate's");
        assertEquals("CN=a\\, O\\=evil", ecCertificate.getSubjectX500Principal().getName(),
                "a common name stays one attribute whatever it holds");
        assertTrue(ecCertificate.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2))));

        for (String bad : List.of("{\"key_type\":\"DSA-1024\"}", "{\"validity_days\":0}",
                "{\"validity_days\":3651}", "{\"validity_days\":\"ten\"}", "{\"common_name\":\"\"}")) {
            Reply refused = asManager("POST", path, envelope("application/json", bad));
            assertEquals(400, refused.status(), bad);
            assertEquals("INVALID_FIELD_ERR", errorCode(refused), bad);
        }
        assertTrue(asManager("POST", path, envelope("application/json", "{\"key_type\":\"DSA-1024\"}")).body()
                .at("/resources/0/reasons/0/message").asText().contains("RSA-2048, RSA-3072, RSA-4096, EC-P256"));
        Reply asReader = call("POST", path, envelope("application/json", "{}"), readerToken,
                instance.id().toString());
        assertEquals(401, asReader.status(), "a role without KMIP management is refused as Key Protect refuses it");
        assertEquals(404, asManager("POST", "/api/v2/kmip_adapters/no-such/certificates/issue",
                envelope("application/json", "{}")).status());
    }

    @Test
    void csrs_areSignedForTheirOwnKey_andBadOnesAreRefusedWithTheReason() throws Exception {
        createAdapter("onboard-csr", createRootKey("csr-root"));
        String path = "/api/v2/kmip_adapters/onboard-csr/certificates/sign";
        KeyPair vcenter = TestCertificates.keyPair("RSA", 2048);
        String csr = TestCertificates.csr("CN=vcenter.example.com, O=Example", vcenter);
        Reply signed = asManager("POST", path, envelope("application/json", "{\"csr\":" + JSON.writeValueAsString(csr)
                + ",\"name\":\"vcenter-csr\"}"));
        assertEquals(201, signed.status(), signed.raw().body());
        JsonNode resource = signed.body().at("/resources/0");
        assertFalse(resource.has("private_key"), "the requester keeps its key");
        X509Certificate certificate = PemCertificates.parse(resource.get("certificate").asText());
        assertEquals(vcenter.getPublic(), certificate.getPublicKey());
        assertArrayEquals(new X500Name("CN=vcenter.example.com, O=Example").getEncoded(),
                certificate.getSubjectX500Principal().getEncoded(), "the request's subject, as it encoded it");
        certificate.verify(TestCertificates.authority().certificate().getPublicKey());
        assertTrue(custody.certificates().identify(PemCertificates.sha256Fingerprint(certificate)).isPresent());

        String weak = TestCertificates.csr("CN=weak", TestCertificates.keyPair("RSA", 1024));
        String forged = TestCertificates.csr("CN=forged", vcenter.getPublic(),
                TestCertificates.keyPair("RSA", 2048).getPrivate());
        String two = csr + TestCertificates.csr("CN=second", TestCertificates.keyPair("EC", 256));
        List<List<String>> refusals = List.of(
                List.of("{}", "'csr' must hold a PKCS#10"),
                List.of("{\"csr\":\"hello\"}", "must be one PKCS#10 request in PEM"),
                List.of("{\"csr\":\"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n"
                        + "-----END CERTIFICATE REQUEST-----\"}", "is not valid PEM or PKCS#10; export it again"),
                List.of("{\"csr\":" + JSON.writeValueAsString(weak) + "}", "1024 bits; 2048 or more are required"),
                List.of("{\"csr\":" + JSON.writeValueAsString(forged) + "}", "does not verify with the key it carries"),
                List.of("{\"csr\":" + JSON.writeValueAsString(two) + "}", "give one CSR at a time"));
        for (List<String> refusal : refusals) {
            Reply refused = asManager("POST", path, envelope("application/json", refusal.get(0)));
            assertEquals(400, refused.status(), refusal.get(1));
            assertEquals("INVALID_FIELD_ERR", errorCode(refused));
            assertTrue(refused.body().at("/resources/0/reasons/0/message").asText().contains(refusal.get(1)),
                    refused.raw().body());
            assertFalse(refused.raw().body().contains("org.bouncycastle") || refused.raw().body().contains("java."),
                    "no library internals: " + refused.raw().body());
        }
    }

    @Test
    void theKmipServerChain_isServedToKmipManagers() throws Exception {
        Reply chain = asManager("GET", "/api/v2/appliance/kmip_server_chain", null);
        assertEquals(200, chain.status(), chain.raw().body());
        JsonNode resource = chain.body().at("/resources/0");
        assertEquals(2, resource.get("certificates").size());
        assertEquals(PemCertificates.colonSeparated(PemCertificates.sha256Fingerprint(TestCertificates.authority()
                .certificate())), resource.at("/certificates/1/sha256_fingerprint").asText());
        assertTrue(resource.get("certificate_chain").asText().endsWith(PemCertificates.toPem(
                TestCertificates.authority().certificate())));
        assertEquals(401, call("GET", "/api/v2/appliance/kmip_server_chain", null, readerToken,
                instance.id().toString()).status());
    }


    @Test
    void kmipObjects_areListedWithTheContractsFieldsAndNoKeyMaterial() throws Exception {
        String crk = createRootKey("objects-root");
        String adapter = createAdapter("objects", crk).get("id").asText();
        KmipCaller caller = registerClient(adapter, TestCertificates.clientPem("objects-client"), "objects-client");
        String objectId = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id().toString();

        Reply list = asManager("GET", "/api/v2/kmip_adapters/" + adapter + "/kmip_objects?totalCount=true", null);
        assertEquals(200, list.status());
        assertEquals("application/vnd.ibm.kms.kmip_object+json", list.body().at("/metadata/collectionType").asText());
        JsonNode object = list.body().at("/resources/0");
        assertEquals(objectId, object.get("id").asText());
        assertEquals(2, object.get("kmip_object_type").asInt());
        assertEquals(1, object.get("state").asInt());
        assertEquals(caller.certificateId().toString(), object.get("created_by_kmip_client_cert_id").asText());
        assertEquals(caller.registeredBy(), object.get("created_by").asText(), "the identity that registered the "
                + "certificate, as Key Protect names it");
        assertTrue(object.get("created_by").asText().startsWith("api-token-"), object.toString());
        for (String forbidden : List.of("key_material", "material", "payload", "sealed_material")) {
            assertFalse(object.has(forbidden), forbidden);
        }
        Reply active = asManager("GET", "/api/v2/kmip_adapters/" + adapter + "/kmip_objects?state=2", null);
        assertEquals(0, active.body().get("resources").size());
        Reply badState = asManager("GET", "/api/v2/kmip_adapters/" + adapter + "/kmip_objects?state=9", null);
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(badState));
    }

    @Test
    void objects_getAndDelete_forceForActiveOnes_thenTheAdapterCanGo() throws Exception {
        String crk = createRootKey("delete-root");
        String adapter = createAdapter("deletable", crk).get("id").asText();
        String pem = TestCertificates.clientPem("deletable-client");
        KmipCaller caller = registerClient(adapter, pem, "c1");
        UUID preActive = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        UUID active = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        custody.objects().transition(caller, active, LifecycleEvent.ACTIVATE, null, null, null);
        String objects = "/api/v2/kmip_adapters/" + adapter + "/kmip_objects/";

        Reply one = asManager("GET", objects + active, null);
        assertEquals(200, one.status());
        assertEquals(2, one.body().at("/resources/0/state").asInt());
        assertEquals("KMIP_OBJECT_NOT_FOUND_ERR", errorCode(asManager("GET", objects + UUID.randomUUID(), null)));
        assertEquals("KMIP_OBJECT_NOT_FOUND_ERR", errorCode(asManager("GET", objects + "not-a-uuid", null)));

        Reply blocked = asManager("DELETE", "/api/v2/kmip_adapters/deletable", null);
        assertEquals(409, blocked.status());
        assertEquals("KMIP_ADAPTER_HAS_OBJECTS_ERR", errorCode(blocked));

        Reply refused = asManager("DELETE", objects + active, null);
        assertEquals(409, refused.status());
        assertEquals("KMIP_OBJECT_INVALID_STATE_ERR", errorCode(refused));
        Reply forced = asManager("DELETE", objects + active + "?force=true", null);
        assertEquals(204, forced.status());
        assertEquals("", forced.raw().body(), "a delete answers 204 with an empty body");
        Reply deleted = asManager("DELETE", objects + preActive, null);
        assertEquals(204, deleted.status());
        assertEquals(5, asManager("GET", objects + preActive, null).body().at("/resources/0/state").asInt());
        assertEquals(CustodyException.Failure.OBJECT_DESTROYED, assertThrows(
                CustodyException.class, () -> custody.objects().openMaterial(caller, active)).failure(),
                "deletion erased the material");
        assertEquals(409, asManager("DELETE", objects + preActive, null).status(), "deleted twice");
        assertEquals(0, asManager("GET", "/api/v2/kmip_adapters/" + adapter + "/kmip_objects", null).body()
                .get("resources").size(), "deleted objects are not listed by default");
        assertEquals(2, asManager("GET", "/api/v2/kmip_adapters/" + adapter + "/kmip_objects?state=5", null).body()
                .get("resources").size());

        assertEquals(204, asManager("DELETE", "/api/v2/kmip_adapters/deletable/certificates/c1", null).status());
        assertTrue(custody.certificates().identify(PemCertificates.sha256Fingerprint(PemCertificates.parse(pem)))
                .isEmpty(), "the certificate no longer admits anyone");
        assertEquals(204, asManager("DELETE", "/api/v2/kmip_adapters/deletable", null).status());
        assertEquals(404, asManager("GET", "/api/v2/kmip_adapters/deletable", null).status());
    }

    @Test
    void apiTokens_areIssuedShownOnceListedWithoutSecretAndRevocable() throws Exception {
        Reply issued = asManager("POST", "/api/v2/appliance/api_tokens", envelope(
                "application/vnd.kmip-appliance.api_token+json",
                "{\"roles\":[\"KmipAdapterManager\"],\"description\":\"vcenter admin\"}"));
        assertEquals(201, issued.status(), issued.raw().body());
        String id = issued.body().at("/resources/0/id").asText();
        String secret = issued.body().at("/resources/0/secret").asText();
        assertEquals(200, call("GET", "/api/v2/kmip_adapters", null, secret, instance.id().toString()).status());
        Reply listed = asManager("GET", "/api/v2/appliance/api_tokens", null);
        assertFalse(listed.raw().body().contains(secret), "a listing never shows a secret");
        assertTrue(listed.raw().body().contains(id));
        assertEquals(204, asManager("DELETE", "/api/v2/appliance/api_tokens/" + id, null).status());
        assertEquals(401, call("GET", "/api/v2/kmip_adapters", null, secret, instance.id().toString()).status());
        assertEquals("INVALID_FIELD_ERR", errorCode(asManager("POST", "/api/v2/appliance/api_tokens", envelope(
                "application/json", "{\"roles\":[\"Superuser\"]}"))));
    }

    @Test
    void healthMetricsAndOpenApi_areServed() throws Exception {
        Reply health = call("GET", "/health", null, null, null);
        assertEquals(200, health.status());
        assertEquals("UP", health.body().get("status").asText());
        assertEquals("UP", health.body().at("/checks/database").asText());
        assertEquals("UP", health.body().at("/checks/hsm").asText());
        asManager("GET", "/api/v2/kmip_adapters", null);
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode(), "metrics need an API token");
        assertEquals("UNAUTHORIZED_ERR", JSON.readTree(anonymous.body()).at("/resources/0/reasons/0/code")
                .asText());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + server.port() + "/metrics")).header("authorization", "Bearer " + managerToken).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("kmip_appliance_rest_requests_total{route=\"/api/v2/kmip_adapters\","
                + "method=\"GET\",status=\"200\"}"), metrics.body());
        assertTrue(metrics.body().contains("kmip_appliance_database_statement_seconds_count"), metrics.body());
        HttpResponse<String> openApi = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + server.port() + "/openapi")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(openApi.body().startsWith("openapi: 3."), openApi.body());
        assertTrue(openApi.body().contains("/api/v2/kmip_adapters/{adapter}/kmip_objects/{object}:"));
    }

    @Test
    void oversizedAndOddRequests_getKeyProtectErrors_never500() throws Exception {
        String huge = envelope("application/json", "{\"profile\":\"native_1.0\",\"description\":\""
                + "x".repeat(Json.MAX_BODY_BYTES) + "\"}");
        Reply tooBig = asManager("POST", "/api/v2/kmip_adapters", huge);
        assertEquals(413, tooBig.status());
        assertEquals("BAD_BODY_ERR", errorCode(tooBig));
        // Expect: 100-continue, so the client reads the early refusal instead of racing it with its upload.
        HttpResponse<String> refusedUpload = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                        + server.port() + "/api/v2/kmip_adapters")).expectContinue(true)
                .header("authorization", "Bearer " + managerToken).header("bluemix-instance", instance.id().toString())
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2 * 1024 * 1024))).build(),
                HttpResponse.BodyHandlers.ofString());
        Reply muchTooBig = new Reply(refusedUpload.statusCode(), JSON.readTree(refusedUpload.body()), refusedUpload);
        assertEquals(413, muchTooBig.status(), muchTooBig.raw().body());
        assertEquals("BAD_BODY_ERR", errorCode(muchTooBig));
        Reply hugeHeader = call("GET", "/api/v2/kmip_adapters", null, managerToken + "x".repeat(20_000),
                instance.id().toString());
        assertTrue(hugeHeader.status() == 431 || hugeHeader.status() == 400 || hugeHeader.status() == 401,
                "an oversized header is refused: " + hugeHeader.status());
        for (String odd : List.of("null", "{}", "\"text\"", "{\"resources\":[null]}",
                "{\"resources\":[{\"profile\":7}]}", "{\"resources\":[{\"name\":[1,2]}]}")) {
            Reply reply = asManager("POST", "/api/v2/kmip_adapters", odd);
            assertEquals(400, reply.status(), odd + " -> " + reply.raw().body());
            assertTrue(reply.body().at("/resources/0/reasons/0/code").asText().endsWith("_ERR"), odd);
        }
        Reply badTotal = asManager("GET", "/api/v2/kmip_adapters?limit=abc", null);
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(badTotal));
        Reply noRoute = asManager("GET", "/api/v2/no_such_collection", null);
        assertEquals(404, noRoute.status(), noRoute.raw().body());
        assertEquals("NOT_FOUND_ERR", errorCode(noRoute));
        Reply wrongMethod = asManager("PUT", "/api/v2/kmip_adapters", "{}");
        assertEquals(405, wrongMethod.status(), wrongMethod.raw().body());
        assertEquals("METHOD_NOT_ALLOWED_ERR", errorCode(wrongMethod));
        assertEquals("GET, HEAD, POST", wrongMethod.raw().headers().firstValue("allow").orElseThrow());
    }

    @Test
    void brokenBodies_get400WithKeyProtectCodes() throws Exception {
        assertEquals("BAD_BODY_ERR", errorCode(asManager("POST", "/api/v2/kmip_adapters", "{not json")));
        assertEquals("NO_BODY_ERR", errorCode(asManager("POST", "/api/v2/kmip_adapters", "")));
        assertEquals("BAD_BODY_ERR", errorCode(asManager("POST", "/api/v2/kmip_adapters", "[]")));
        assertEquals("COLLECTION_TOTAL_MISMATCH_ERR", errorCode(asManager("POST", "/api/v2/kmip_adapters",
                "{\"metadata\":{\"collectionTotal\":2},\"resources\":[{\"profile\":\"native_1.0\"}]}")));
        Reply wrongProfile = asManager("POST", "/api/v2/kmip_adapters", envelope("application/json",
                "{\"profile\":\"kmip_2.0\",\"profile_data\":{\"crk_id\":\"x\"}}"));
        assertEquals(400, wrongProfile.status());
        assertEquals("INVALID_FIELD_ERR", errorCode(wrongProfile));
        Reply badLimit = asManager("GET", "/api/v2/kmip_adapters?limit=201", null);
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(badLimit));
    }

    private static List<AuditEventsRecord> auditOf(String correlation) {
        return database.dsl().selectFrom(Tables.AUDIT_EVENTS).where(Tables.AUDIT_EVENTS.CORRELATION_ID.eq(correlation))
                .fetch();
    }

    @Test
    void everyRequest_isAuditedOnce_withWhoFromWhereAndItsCorrelationId() throws Exception {
        String token = managerToken;
        String id = instance.id().toString();
        assertEquals(201, call("POST", "/api/v2/keys", envelope("application/vnd.ibm.kms.key+json",
                "{\"name\":\"audited-key\"}"), token, id, "audit-create").status());
        assertEquals(200, call("GET", "/api/v2/keys", null, token, id, "audit-list").status());
        assertEquals(400, call("POST", "/api/v2/kmip_adapters", envelope("application/json",
                "{\"name\":\"bad name\",\"profile\":\"native_1.0\"}"), token, id, "audit-bad").status());
        assertEquals(401, call("GET", "/api/v2/keys", null, "kmipapp_guess", id, "audit-anon").status());
        for (String[] expected : new String[][] {{"audit-create", "root_key.create", "success"},
                {"audit-list", "rest.get", "200"}, {"audit-bad", "rest.post", "400"}, {"audit-anon", "rest.get", "401"}}) {
            List<AuditEventsRecord> events = auditOf(expected[0]);
            assertEquals(1, events.size(), expected[0] + ": " + events);
            AuditEventsRecord event = events.getFirst();
            assertEquals(expected[1] + " " + expected[2], event.getAction() + " " + event.getOutcome());
            assertEquals("rest", event.getChannel());
            assertTrue(event.getPeer().startsWith("127.0.0.1:"), event.getPeer());
        }
        assertEquals("unidentified", auditOf("audit-anon").getFirst().getActor());
        assertEquals(custody.access().authenticate(token).orElseThrow().tokenId().toString(),
                auditOf("audit-list").getFirst().getActorId());

        Reply uncorrelated = call("GET", "/api/v2/keys", null, token, id, null);
        String generated = uncorrelated.raw().headers().firstValue("correlation-id").orElseThrow();
        assertEquals(1, auditOf(generated).size(), "a request without a correlation id gets one, and so does its event");
    }

    @Test
    void requestsOnAnAdaptersPaths_areAuditedWithTheAdapter_andACreationWithWhatItCreated() throws Exception {
        String token = managerToken;
        String id = instance.id().toString();
        JsonNode adapter = createAdapter("audited-adapter", createRootKey("audited-adapter-root"));
        UUID adapterId = UUID.fromString(adapter.get("id").asText());
        String byName = "/api/v2/kmip_adapters/audited-adapter";
        assertEquals(200, call("GET", byName, null, token, id, "adapter-get").status());
        assertEquals(200, call("GET", byName + "/certificates", null, token, id, "adapter-certs").status());
        assertEquals(404, call("GET", byName + "/kmip_objects/" + UUID.randomUUID(), null, token, id,
                "adapter-no-object").status());
        assertEquals(201, call("POST", byName + "/certificates", envelope("application/json", "{\"certificate\":"
                + JSON.writeValueAsString(TestCertificates.clientPem("audited client")) + "}"), token, id,
                "adapter-add-cert").status());
        for (String correlation : List.of("adapter-get", "adapter-certs", "adapter-no-object", "adapter-add-cert")) {
            List<AuditEventsRecord> events = auditOf(correlation);
            assertEquals(1, events.size(), correlation + ": " + events);
            assertEquals(adapterId, events.getFirst().getAdapterId(), correlation + " names the adapter it concerns");
        }
        AuditEventsRecord created = database.dsl().selectFrom(Tables.AUDIT_EVENTS)
                .where(Tables.AUDIT_EVENTS.ACTION.eq("kmip_adapter.create"))
                .and(Tables.AUDIT_EVENTS.TARGET.eq(adapterId.toString())).fetchOne();
        assertEquals(adapterId, created.getAdapterId(), "a creation names what it created");
        assertEquals("127.0.0.1", created.getPeer().substring(0, created.getPeer().indexOf(':')));
    }
}
