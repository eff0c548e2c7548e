package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.hsm.SecretBytes;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.rest.LiveRestTier.Reply;

/**
 * Bring your own key over the live REST tier, with the requests IBM's Go client (keyprotect-go-client) sends and
 * its response structs' field names and types: import tokens, imported root keys checked by their nonce, rotation of
 * an imported key with new material, and the refusals a client can act on.
 */
class KeyImportApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String KEY_TYPE = "application/vnd.ibm.kms.key+json";
    private static LiveRestTier rest;
    private static KeyCustody custody;
    private static String manager;
    private static String writer;

    @BeforeAll
    static void start() {
        rest = new LiveRestTier(RootKeyPolicy.NONE);
        custody = rest.custody();
        manager = rest.token(Role.MANAGER);
        writer = rest.token(Role.WRITER);
    }

    @AfterAll
    static void stop() {
        rest.close();
    }

    private static Reply call(String method, String path, String body, String token, Map<String, String> headers)
            throws Exception {
        return rest.call(method, path, body, token, headers);
    }

    private static Reply call(String method, String path, String body) throws Exception {
        return rest.call(method, path, body);
    }

    private static String errorCode(Reply reply) {
        return reply.body().at("/resources/0/reasons/0/code").asText();
    }

    /** The Go client's Key struct, marshalled with its omitempty rules, in the create envelope it sends. */
    private static String goCreateBody(String name, Map<String, String> importFields) {
        ObjectNode resource = JSON.createObjectNode().put("name", name).put("type", KEY_TYPE)
                .put("extractable", false);
        importFields.forEach(resource::put);
        ObjectNode body = JSON.createObjectNode();
        body.putObject("metadata").put("collectionType", KEY_TYPE).put("collectionTotal", 1);
        body.putArray("resources").add(resource);
        return body.toString();
    }

    /** A retrieved token: its public key as the Go client decodes it (base64, then PEM, then PKIX) and its nonce. */
    private record Token(PublicKey publicKey, byte[] nonce) {
    }

    private static Token retrieveToken() throws Exception {
        Reply got = call("GET", "/api/v2/import_token", null, writer, Map.of());
        assertEquals(200, got.status(), got.text());
        assertGoFields(got.body(), Map.of("creationDate", "time", "expirationDate", "time",
                "maxAllowedRetrievals", "int", "remainingRetrievals", "int", "payload", "string", "nonce", "string"));
        String pem = new String(Base64.getDecoder().decode(got.body().get("payload").asText()),
                StandardCharsets.US_ASCII);
        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n") && pem.endsWith("-----END PUBLIC KEY-----\n"), pem);
        byte[] der = Base64.getMimeDecoder().decode(pem.replace("-----BEGIN PUBLIC KEY-----", "")
                .replace("-----END PUBLIC KEY-----", ""));
        return new Token(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der)),
                Base64.getDecoder().decode(got.body().get("nonce").asText()));
    }

    private static Token newToken(int retrievals) throws Exception {
        Reply created = call("POST", "/api/v2/import_token", "{\"expiration\":600,\"maxAllowedRetrievals\":"
                + retrievals + "}");
        assertEquals(201, created.status(), created.text());
        return retrieveToken();
    }

    /**
     * The Go client's import fields: EncryptKeyWithSHA1 (rsa.EncryptOAEP, SHA-1, which SoftHSM2 unwraps) and
     * EncryptNonce (AES-GCM with a fresh 12-byte iv, tag appended), all base64.
     */
    private static Map<String, String> importFields(Token token, byte[] material, String hash)
            throws GeneralSecurityException {
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.ENCRYPT_MODE, token.publicKey(), new OAEPParameterSpec(hash, "MGF1", hash.equals("SHA-1")
                ? MGF1ParameterSpec.SHA1 : MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, iv));
        Base64.Encoder base64 = Base64.getEncoder();
        return Map.of("payload", base64.encodeToString(oaep.doFinal(material)),
                "encryptedNonce", base64.encodeToString(gcm.doFinal(token.nonce())),
                "iv", base64.encodeToString(iv),
                "encryptionAlgorithm", hash.equals("SHA-1") ? "RSAES_OAEP_SHA_1" : "RSAES_OAEP_SHA_256");
    }

    private static byte[] material() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The HSM seals under the key's version and the customer's copy of the material opens it. */
    private static void assertVersionHolds(String keyId, int version, byte[] material) throws Exception {
        byte[] blob;
        try (SecretBytes secret = SecretBytes.copyOf(new byte[] {1, 2, 3})) {
            blob = TestHsm.hsm().seal(custody.rootKeys().hsmLabel(UUID.fromString(keyId), version), new byte[0],
                    secret);
        }
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, blob, 0, 12));
        assertArrayEquals(new byte[] {1, 2, 3}, gcm.doFinal(blob, 12, blob.length - 12));
    }

    /**
     * Each field is present with the JSON type the Go client's struct field decodes (encoding/json fails the whole
     * response on a mismatch): "time" an RFC 3339 string (*time.Time), "int", "bool", "string", "object".
     */
    private static void assertGoFields(JsonNode json, Map<String, String> fields) {
        fields.forEach((field, type) -> {
            JsonNode value = json.get(field);
            assertNotNull(value, field + " in " + json);
            switch (type) {
                case "time" -> assertNotNull(OffsetDateTime.parse(value.asText()), field);
                case "int" -> assertTrue(value.isInt(), field + " is a number: " + value);
                case "bool" -> assertTrue(value.isBoolean(), field + " is a boolean: " + value);
                case "string" -> assertTrue(value.isTextual(), field + " is a string: " + value);
                case "object" -> assertTrue(value.isObject(), field + " is an object: " + value);
                default -> throw new IllegalArgumentException(type);
            }
        });
    }

    @Test
    void importTokens_haveKeyProtectsShape_defaults_andBoundedRetrievals() throws Exception {
        Reply created = call("POST", "/api/v2/import_token", "{}");
        assertEquals(201, created.status(), created.text());
        // Go's ImportTokenMetadata.
        assertGoFields(created.body(), Map.of("creationDate", "time", "expirationDate", "time",
                "maxAllowedRetrievals", "int", "remainingRetrievals", "int"));
        assertEquals(Set.of("creationDate", "expirationDate", "maxAllowedRetrievals", "remainingRetrievals"),
                fieldNames(created.body()));
        assertEquals(Duration.ofMinutes(10), Duration.between(OffsetDateTime.parse(created.body().get("creationDate")
                .asText()), OffsetDateTime.parse(created.body().get("expirationDate").asText())));
        assertEquals(1, created.body().get("maxAllowedRetrievals").asInt());

        Token token = retrieveToken();
        assertEquals(4096, ((RSAPublicKey) token.publicKey()).getModulus().bitLength());
        assertEquals(12, token.nonce().length);
        Reply exhausted = call("GET", "/api/v2/import_token", null);
        assertEquals(400, exhausted.status(), exhausted.text());
        assertEquals("IMPORT_TOKEN_RETRIEVALS_ERR", errorCode(exhausted));

        Reply tooShort = call("POST", "/api/v2/import_token", "{\"expiration\":299}");
        assertEquals(400, tooShort.status());
        assertEquals("INVALID_FIELD_ERR", errorCode(tooShort));
        assertEquals("expiration", tooShort.body().at("/resources/0/reasons/0/target/name").asText());
        Reply writerCreates = call("POST", "/api/v2/import_token", "{}", writer, Map.of());
        assertEquals(401, writerCreates.status(), "making import tokens is the Manager's (Key Protect answers 401)");
    }

    @Test
    void aWrappedRootKey_isImported_andTheHsmHoldsTheCustomersMaterial() throws Exception {
        Token token = newToken(2);
        byte[] material = material();
        Reply created = call("POST", "/api/v2/keys", goCreateBody("byok", importFields(token, material, "SHA-1")));
        assertEquals(201, created.status(), created.text());
        JsonNode key = created.body().at("/resources/0");
        assertTrue(key.get("imported").asBoolean());
        assertFalse(key.get("extractable").asBoolean());
        assertFalse(created.text().contains("payload"), "no key material or payload comes back");
        assertVersionHolds(key.get("id").asText(), 1, material);

        Reply fetched = call("GET", "/api/v2/keys/" + key.get("id").asText(), null);
        assertTrue(fetched.body().at("/resources/0/imported").asBoolean());
        assertEquals(201, call("POST", "/api/v2/keys", goCreateBody("generated-beside", Map.of())).status());
        assertTrue(call("GET", "/api/v2/keys?sort=-imported&limit=1", null).body().at("/resources/0/imported")
                .asBoolean(), "Key Protect's sort by imported");
        assertFalse(call("GET", "/api/v2/keys?sort=imported&limit=1", null).body().at("/resources/0/imported")
                .asBoolean());
    }

    @Test
    void anImportedKey_rotatesWithNewMaterial_only_andAGeneratedOneWithout() throws Exception {
        Token token = newToken(2);
        Reply created = call("POST", "/api/v2/keys", goCreateBody("byok-rotating",
                importFields(token, material(), "SHA-1")));
        String id = created.body().at("/resources/0/id").asText();

        // Go's RotateV2(ctx, id, nil) sends the JSON literal null.
        Reply withoutPayload = call("POST", "/api/v2/keys/" + id + "/actions/rotate", "null");
        assertEquals(400, withoutPayload.status(), withoutPayload.text());
        assertEquals("KEY_PAYLOAD_REQ_ERR", errorCode(withoutPayload));

        byte[] next = material();
        // Go's RotateV2 with a KeyPayload: a flat KeysActionRequest.
        String rotation = JSON.writeValueAsString(importFields(token, next, "SHA-1"));
        Reply rotated = call("POST", "/api/v2/keys/" + id + "/actions/rotate", rotation);
        assertEquals(204, rotated.status(), rotated.text());
        assertVersionHolds(id, 2, next);
        Reply versions = call("GET", "/api/v2/keys/" + id + "/versions?totalCount=true", null);
        assertEquals(2, versions.body().at("/metadata/totalCount").asInt());

        Reply generated = call("POST", "/api/v2/keys", goCreateBody("generated", Map.of()));
        Reply refused = call("POST", "/api/v2/keys/" + generated.body().at("/resources/0/id").asText()
                + "/actions/rotate", JSON.writeValueAsString(Map.of("payload", "AAAA")));
        assertEquals(400, refused.status(), refused.text());
        assertEquals("INVALID_QUERY_PARAM_ERR", errorCode(refused));
        assertEquals("The query_param 'payload' must be: provided only if key is imported",
                refused.body().at("/resources/0/reasons/0/message").asText());
    }

    @Test
    void refusals_sayWhatToChange_andLeaveNoKey() throws Exception {
        Token token = newToken(1);
        int keysBefore = call("GET", "/api/v2/keys?totalCount=true", null).body().at("/metadata/totalCount")
                .asInt();

        // Key Protect's default wrapping; SoftHSM2 unwraps RSA-OAEP with SHA-1 only.
        Map<String, String> sha256 = importFields(token, material(), "SHA-256");
        Reply unsupported = call("POST", "/api/v2/keys", goCreateBody("sha256", sha256));
        assertEquals(400, unsupported.status(), unsupported.text());
        assertEquals("INVALID_FIELD_ERR", errorCode(unsupported));
        assertEquals("encryptionAlgorithm", unsupported.body().at("/resources/0/reasons/0/target/name").asText());
        assertTrue(unsupported.text().contains("RSAES_OAEP_SHA_1"), unsupported.text());

        Map<String, String> honest = importFields(token, material(), "SHA-1");
        Map<String, String> forged = new java.util.HashMap<>(honest);
        forged.put("encryptedNonce", importFields(token, material(), "SHA-1").get("encryptedNonce"));
        forged.put("iv", honest.get("iv"));
        Reply nonce = call("POST", "/api/v2/keys", goCreateBody("forged", forged));
        assertEquals(400, nonce.status(), nonce.text());
        assertEquals("INCORRECT_NONCE_ERR", errorCode(nonce));

        Map<String, String> noIv = new java.util.HashMap<>(honest);
        noIv.remove("iv");
        Reply missing = call("POST", "/api/v2/keys", goCreateBody("no-iv", noIv));
        assertEquals("iv", missing.body().at("/resources/0/reasons/0/target/name").asText(), missing.text());

        Reply plain = call("POST", "/api/v2/keys", goCreateBody("plain", Map.of("payload",
                Base64.getEncoder().encodeToString(material()))));
        assertEquals(400, plain.status(), plain.text());
        assertEquals("KEY_CREATE_IMPORT_ACCESS_ERR", errorCode(plain));
        assertTrue(plain.text().contains("POST /api/v2/import_token"), plain.text());

        Map<String, String> shortPayload = new java.util.HashMap<>(honest);
        shortPayload.put("payload", Base64.getEncoder().encodeToString(new byte[100]));
        Reply tooShort = call("POST", "/api/v2/keys", goCreateBody("short", shortPayload));
        assertEquals(400, tooShort.status(), tooShort.text());
        assertEquals("payload", tooShort.body().at("/resources/0/reasons/0/target/name").asText());

        Reply notBase64 = call("POST", "/api/v2/keys", goCreateBody("bad", Map.of("payload", "%%%")));
        assertEquals("payload", notBase64.body().at("/resources/0/reasons/0/target/name").asText());

        assertEquals(keysBefore, call("GET", "/api/v2/keys?totalCount=true", null).body()
                .at("/metadata/totalCount").asInt(), "no refused import left a key");
        Reply imported = call("POST", "/api/v2/keys", goCreateBody("honest", honest));
        assertEquals(201, imported.status(), "the token still imports the honest request: " + imported.text());
    }

    @Test
    void preferReturnMinimal_onCreate_answersTheNewKeysIdentifierOnly() throws Exception {
        Reply created = call("POST", "/api/v2/keys", goCreateBody("minimal", Map.of()), manager,
                Map.of("Prefer", "return=minimal"));
        assertEquals(201, created.status(), created.text());
        JsonNode resource = created.body().at("/resources/0");
        assertEquals(Set.of("type", "id"), fieldNames(resource));
        assertEquals(200, call("GET", "/api/v2/keys/" + resource.get("id").asText(), null).status());
    }

    private static Set<String> fieldNames(JsonNode json) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
