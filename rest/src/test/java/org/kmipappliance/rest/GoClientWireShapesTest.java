package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.rest.LiveRestTier.Reply;

/**
 * What IBM's Go client (github.com/IBM/keyprotect-go-client, keys.go) sends for a key's life, delete, restore, purge
 * and versions, and whether every field of each answer decodes into its structs: Go's encoding/json fails a whole
 * response when one field has another JSON type than the struct's, and RestoreKey indexes resources[0] unchecked.
 */
class GoClientWireShapesTest {
    private static final String KEY_TYPE = "application/vnd.ibm.kms.key+json";
    /** The Key struct's JSON names and Go types, as keys.go declares them. */
    private static final Map<String, String> KEY_STRUCT = Map.ofEntries(
            Map.entry("id", "string"), Map.entry("name", "string"), Map.entry("description", "string"),
            Map.entry("type", "string"), Map.entry("Tags", "strings"), Map.entry("aliases", "strings"),
            Map.entry("algorithmType", "string"), Map.entry("createdBy", "string"),
            Map.entry("creationDate", "time"), Map.entry("lastUpdateDate", "time"),
            Map.entry("lastRotateDate", "time"), Map.entry("keyVersion", "keyVersion"),
            Map.entry("keyRingID", "string"), Map.entry("extractable", "bool"),
            Map.entry("expirationDate", "time"), Map.entry("imported", "bool"), Map.entry("payload", "string"),
            Map.entry("state", "int"), Map.entry("encryptionAlgorithm", "string"), Map.entry("crn", "string"),
            Map.entry("encryptedNonce", "string"), Map.entry("iv", "string"), Map.entry("deleted", "bool"),
            Map.entry("deletedBy", "string"), Map.entry("deletionDate", "time"), Map.entry("purgeAllowed", "bool"),
            Map.entry("purgeAllowedFrom", "time"), Map.entry("purgeScheduledOn", "time"),
            Map.entry("dualAuthDelete", "dualAuth"), Map.entry("rotation", "rotation"));
    private static LiveRestTier rest;

    @BeforeAll
    static void start() {
        // No purge delay, so a purge can follow the delete at once.
        rest = new LiveRestTier(RootKeyPolicy.NONE);
    }

    @AfterAll
    static void stop() {
        rest.close();
    }

    /** A request as the Go client's newRequest builds it: its path under /api/v2, the Prefer header when set. */
    private static Reply go(String method, String path, String body, String prefer) throws Exception {
        Map<String, String> headers = new HashMap<>(Map.of("accept", "application/json"));
        if (body != null) {
            headers.put("content-type", "application/json");
        }
        if (prefer != null) {
            headers.put("Prefer", prefer);
        }
        return rest.call(method, "/api/v2/" + path, body, rest.token(Role.MANAGER), headers);
    }

    /** Keys{metadata, resources []Key}: every field of every key decodes into Key. */
    private static JsonNode assertKeys(Reply reply, int status) {
        assertEquals(status, reply.status(), reply.text());
        assertTrue(reply.body().at("/metadata/collectionType").isTextual());
        assertTrue(reply.body().at("/metadata/collectionTotal").isInt());
        JsonNode keys = reply.body().get("resources");
        assertTrue(keys.isArray() && !keys.isEmpty(), "resources[0] exists: " + reply.text());
        keys.forEach(GoClientWireShapesTest::assertDecodesAsKey);
        return keys.get(0);
    }

    private static void assertDecodesAsKey(JsonNode key) {
        for (Map.Entry<String, JsonNode> field : key.properties()) {
            String type = KEY_STRUCT.get(field.getKey());
            if (type != null) {
                assertDecodes(field.getKey(), field.getValue(), type);
            }
        }
        for (String required : List.of("id", "name", "type", "state", "extractable", "crn", "creationDate",
                "keyVersion")) {
            assertNotNull(key.get(required), required + " in " + key);
        }
    }

    private static void assertDecodes(String name, JsonNode value, String type) {
        String where = name + " = " + value;
        switch (type) {
            case "string" -> assertTrue(value.isTextual(), where);
            case "strings" -> {
                assertTrue(value.isArray(), where);
                value.forEach(element -> assertTrue(element.isTextual(), where));
            }
            case "bool" -> assertTrue(value.isBoolean(), where);
            case "int" -> assertTrue(value.isInt(), where);
            case "time" -> assertNotNull(OffsetDateTime.parse(value.asText()), where);
            case "keyVersion" -> {
                assertDecodes(name + ".id", value.get("id"), "string");
                assertDecodes(name + ".creationDate", value.get("creationDate"), "time");
            }
            case "dualAuth" -> assertDecodes(name + ".enabled", value.get("enabled"), "bool");
            case "rotation" -> {
                if (value.has("enabled")) {
                    assertDecodes(name + ".enabled", value.get("enabled"), "bool");
                }
                if (value.has("interval_month")) {
                    assertDecodes(name + ".interval_month", value.get("interval_month"), "int");
                }
            }
            default -> throw new IllegalArgumentException(type);
        }
    }

    @Test
    void aKeysLife_createGetDeleteRestorePurge_decodesIntoTheGoStructs() throws Exception {
        // CreateRootKey: the body kp_test.go asserts, no Prefer header, then resources[0] is read.
        JsonNode created = assertKeys(go("POST", "keys", "{\"metadata\":{\"collectionType\":\"" + KEY_TYPE
                + "\",\"collectionTotal\":1},\"resources\":[{\"name\":\"go\",\"type\":\"" + KEY_TYPE
                + "\",\"extractable\":false}]}", null), 201);
        String id = created.get("id").asText();
        assertKeys(go("GET", "keys/" + id, null, null), 200);
        assertKeys(go("GET", "keys/" + id + "/metadata", null, null), 200);
        assertKeys(go("GET", "keys", null, null), 200);

        // DeleteKey(ctx, id, ReturnRepresentation): the deleted key with its deletion fields.
        JsonNode deleted = assertKeys(go("DELETE", "keys/" + id, null, "return=representation"), 200);
        assertEquals(5, deleted.get("state").asInt());
        assertTrue(deleted.get("deleted").asBoolean());
        for (String field : List.of("deletionDate", "deletedBy", "purgeAllowedFrom", "purgeScheduledOn")) {
            assertNotNull(deleted.get(field), field + " on a deleted key");
        }

        // RestoreKey: POST without a body, 201, resources[0].
        JsonNode restored = assertKeys(go("POST", "keys/" + id + "/restore", null, null), 201);
        assertEquals(1, restored.get("state").asInt());

        // DeleteKey(ReturnMinimal): 204 and no body, which Go reads as a nil key.
        Reply minimal = go("DELETE", "keys/" + id, null, "return=minimal");
        assertEquals(204, minimal.status(), minimal.text());
        assertEquals(null, minimal.body());

        // PurgeKey(ctx, id, ReturnRepresentation) and, for another key, ReturnMinimal.
        JsonNode purged = assertKeys(go("DELETE", "keys/" + id + "/purge", null, "return=representation"), 200);
        assertEquals(id, purged.get("id").asText());
        String other = assertKeys(go("POST", "keys", "{\"metadata\":{\"collectionType\":\"" + KEY_TYPE
                + "\",\"collectionTotal\":1},\"resources\":[{\"name\":\"other\",\"type\":\"" + KEY_TYPE
                + "\",\"extractable\":false}]}", null), 201).get("id").asText();
        assertEquals(204, go("DELETE", "keys/" + other, null, "return=minimal").status());
        assertEquals(204, go("DELETE", "keys/" + other + "/purge", null, "return=minimal").status());
        assertEquals(404, go("GET", "keys/" + other, null, null).status());
    }

    @Test
    void listKeyVersions_withItsOptions_decodesIntoKeyVersions() throws Exception {
        String id = assertKeys(go("POST", "keys", "{\"metadata\":{\"collectionType\":\"" + KEY_TYPE
                + "\",\"collectionTotal\":1},\"resources\":[{\"name\":\"versions\",\"type\":\"" + KEY_TYPE
                + "\",\"extractable\":false}]}", null), 201).get("id").asText();
        // RotateV2(ctx, id, nil) sends the JSON literal null.
        assertEquals(204, go("POST", "keys/" + id + "/actions/rotate", "null", null).status());
        assertEquals(204, go("POST", "keys/" + id + "/actions/rotate", "null", null).status());

        // ListKeyVersions with Limit 1, Offset 1, TotalCount true, AllKeyStates true (url.Values.Encode sorts).
        Reply versions = go("GET", "keys/" + id + "/versions?allKeyStates=true&limit=1&offset=1&totalCount=true",
                null, null);
        assertEquals(200, versions.status(), versions.text());
        assertTrue(versions.body().at("/metadata/collectionType").isTextual());
        assertEquals(1, versions.body().at("/metadata/collectionTotal").asInt(), "*uint32 collectionTotal");
        assertEquals(3, versions.body().at("/metadata/totalCount").asInt(), "*uint32 totalCount");
        JsonNode version = versions.body().at("/resources/0");
        assertDecodes("id", version.get("id"), "string");
        assertDecodes("creationDate", version.get("creationDate"), "time");
    }
}
