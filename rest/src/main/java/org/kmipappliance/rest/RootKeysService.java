package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.ImportWrapping;
import org.kmipappliance.hsm.ImportedMaterial;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Page;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.RootKeyState;
import org.kmipappliance.hsm.RootKeys;
import org.kmipappliance.hsm.SecretBytes;

/**
 * /api/v2/keys: root keys, generated in the HSM or imported (bring your own key, unwrapped by the HSM). Standard
 * (extractable) keys are not offered.
 */
final class RootKeysService {
    static final String KEY_TYPE = "application/vnd.ibm.kms.key+json";
    /** The header of Key Protect's key count (HEAD /api/v2/keys), set on list answers. */
    static final String KEY_TOTAL = "Key-Total";
    static final String DEFAULT_KEY_RING = "default";
    private static final HeaderName PREFER = HeaderNames.create("Prefer");

    private static final Set<Role> MANAGERS = Set.of(
            Role.MANAGER);

    private final KeyCustody custody;

    RootKeysService(KeyCustody custody) {
        this.custody = custody;
    }

    void routes(Routes.Mount routes) {
        routes.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .get("/{id}/metadata", this::get)
                .get("/{id}/versions", this::versions)
                .get("/{id}/rewrap", this::rewrapProgress)
                .post("/{id}/actions/{action}", (req, res) -> action(req, res,
                        req.path().pathParameters().get("action")))
                .post("/{id}", (req, res) -> action(req, res, req.query().first("action").orElse("")))
                .delete("/{id}", this::delete)
                .post("/{id}/restore", this::restore)
                .get("/{id}/policies", this::policies)
                .put("/{id}/policies", this::setPolicies)
                .delete("/{id}/purge", this::purge)
                .post("/{id}/aliases/{alias}", this::addAlias)
                .delete("/{id}/aliases/{alias}", this::deleteAlias);
    }

    /** POST /api/v2/keys_with_policy_overrides: a key created with its policies (Key Protect's dualAuthDelete). */
    void policyOverrideRoutes(Routes.Mount routes) {
        routes.post("/", (req, res) -> create(req, res, true));
    }

    private void create(ServerRequest req, ServerResponse res) {
        create(req, res, false);
    }

    private void create(ServerRequest req, ServerResponse res, boolean withPolicies) {
        String context = "Key could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_WRITERS);
        JsonNode resource = Json.singleResource(req, context);
        JsonNode extractable = resource.get("extractable");
        if (extractable != null && !extractable.isNull() && (!extractable.isBoolean() || extractable.asBoolean())) {
            throw ApiError.invalidField(context, "extractable",
                    "only root keys (extractable: false) are held by this appliance");
        }
        List<String> aliases = new ArrayList<>();
        JsonNode aliasesField = resource.get("aliases");
        if (aliasesField != null && !aliasesField.isNull()) {
            if (!aliasesField.isArray()) {
                throw ApiError.invalidField(context, "aliases", "'aliases' must be a list of strings");
            }
            aliasesField.forEach(alias -> aliases.add(alias.asText()));
        }
        Instant expirationDate = expirationDate(resource, context);
        boolean dualAuthDelete = withPolicies && dualAuthDelete(resource, context);
        if (withPolicies && resource.path("rotation").path("enabled").asBoolean(false)) {
            throw ApiError.invalidField(context, "rotation", "automatic rotation policies are not offered; rotate "
                    + "with POST /api/v2/keys/{id}/actions/rotate (or kmipctl keys rotate) on your own schedule");
        }
        String name = Json.optionalText(resource, "name", context);
        String description = Json.optionalText(resource, "description", context);
        ImportedMaterial material = importedMaterial(resource, context);
        RootKey key;
        try {
            key = CustodyCall.in(context, () -> custody.rootKeys().create(principal.instanceId(), name,
                    description, aliases, expirationDate, dualAuthDelete, material, ApiAuthentication.requester(req)));
        } finally {
            if (material instanceof ImportedMaterial.Plain plain) {
                plain.material().close();
            }
        }
        // Key Protect's return=minimal: only the new key's identifier.
        boolean minimal = req.headers().first(PREFER).orElse("").contains("return=minimal");
        Json.sendCollection(res, Status.CREATED_201, KEY_TYPE, List.of(minimal ? Json.object().put("type", KEY_TYPE)
                .put("id", key.id().toString()) : toJson(key)), null);
    }

    /**
     * The key material of an import (create, or rotate an imported key), or null when there is none: a
     * {@code payload} wrapped under the instance's import token with {@code encryptedNonce} and {@code iv} (and
     * optionally {@code encryptionAlgorithm}), or a plain {@code payload} alone.
     */
    static ImportedMaterial importedMaterial(JsonNode fields, String context) {
        byte[] payload = base64Field(fields, "payload", context);
        byte[] encryptedNonce = base64Field(fields, "encryptedNonce", context);
        byte[] iv = base64Field(fields, "iv", context);
        String algorithm = Json.optionalText(fields, "encryptionAlgorithm", context);
        if (payload == null) {
            if (encryptedNonce != null || iv != null || algorithm != null) {
                throw ApiError.invalidField(context, "payload", "encryptedNonce, iv and encryptionAlgorithm come "
                        + "with a payload: the key material wrapped with the import token's public key");
            }
            return null;
        }
        if (encryptedNonce == null && iv == null) {
            if (algorithm != null) {
                throw ApiError.invalidField(context, "encryptedNonce", "encryptionAlgorithm names how a payload "
                        + "is wrapped with an import token; send encryptedNonce and iv with it");
            }
            return new ImportedMaterial.Plain(SecretBytes.adopt(payload));
        }
        if (encryptedNonce == null || iv == null) {
            String missing = encryptedNonce == null ? "encryptedNonce" : "iv";
            throw ApiError.invalidField(context, missing, "a payload wrapped with an import token comes with both "
                    + "encryptedNonce and iv; '" + missing + "' is missing");
        }
        if (iv.length != ImportedMaterial.Wrapped.IV_BYTES) {
            throw ApiError.invalidField(context, "iv", "'iv' must be the " + ImportedMaterial.Wrapped.IV_BYTES
                    + "-byte AES-GCM nonce the encrypted nonce was made with, base64-encoded");
        }
        ImportWrapping wrapping = algorithm == null ? ImportWrapping.RSAES_OAEP_SHA_256
                : ImportWrapping.named(algorithm).orElseThrow(() -> ApiError.invalidField(context,
                        "encryptionAlgorithm", "'encryptionAlgorithm' must be RSAES_OAEP_SHA_256 (the default) or "
                                + "RSAES_OAEP_SHA_1"));
        return new ImportedMaterial.Wrapped(payload, encryptedNonce, iv, wrapping);
    }

    private static byte[] base64Field(JsonNode fields, String field, String context) {
        String text = Json.optionalText(fields, field, context);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidField(context, field, "'" + field + "' must be base64 (RFC 4648, standard "
                    + "alphabet)");
        }
    }

    /** A resource's dualAuthDelete.enabled: a boolean when given, false when not. */
    private static boolean dualAuthDelete(JsonNode resource, String context) {
        JsonNode enabled = resource.path("dualAuthDelete").path("enabled");
        if (enabled.isMissingNode() || enabled.isNull()) {
            return false;
        }
        if (!enabled.isBoolean()) {
            throw ApiError.invalidField(context, "dualAuthDelete", "'dualAuthDelete.enabled' must be true or false");
        }
        return enabled.asBoolean();
    }

    static final String POLICY_TYPE = "application/vnd.ibm.kms.policy+json";

    /** GET /api/v2/keys/{id}/policies: the key's policies, Key Protect's shape (dualAuthDelete is the one kept). */
    private void policies(ServerRequest req, ServerResponse res) {
        String context = "Key policies could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().get(principal.instanceId(),
                req.path().pathParameters().get("id")));
        Json.sendCollection(res, Status.OK_200, POLICY_TYPE, List.of(policyJson(key)), null);
    }

    /**
     * PUT /api/v2/keys/{id}/policies?policy=dualAuthDelete: turns dual authorization for deletion on (it cannot be
     * turned off again, as Key Protect's cannot). Rotation policies are not offered.
     */
    private void setPolicies(ServerRequest req, ServerResponse res) {
        String context = "Key policies could not be updated";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        String policy = req.query().first("policy").orElse("dualAuthDelete");
        if (!policy.equals("dualAuthDelete")) {
            throw ApiError.invalidQueryParameter(context, "policy", "The query_param 'policy' must be: "
                    + "dualAuthDelete; automatic rotation policies are not offered");
        }
        JsonNode resource = Json.singleResource(req, context);
        if (resource.path("dualAuthDelete").isMissingNode()) {
            throw ApiError.invalidField(context, "dualAuthDelete", "the policy resource holds dualAuthDelete");
        }
        boolean enabled = dualAuthDelete(resource, context);
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().setDualAuthDelete(principal.instanceId(),
                req.path().pathParameters().get("id"), enabled, ApiAuthentication.requester(req)));
        Json.sendCollection(res, Status.OK_200, POLICY_TYPE, List.of(policyJson(key)), null);
    }

    private static ObjectNode policyJson(RootKey key) {
        ObjectNode json = Json.object();
        json.put("type", POLICY_TYPE);
        json.put("crn", "crn:v1:onprem:private:kms:appliance:a/local:" + key.instanceId() + ":key:" + key.id());
        json.putObject("dualAuthDelete").put("enabled", key.dualAuthDelete().enabled());
        json.put("updatedBy", key.createdBy());
        json.put("lastUpdateDate", Json.time(key.updatedAt()));
        return json;
    }

    /** Key Protect's expirationDate: an RFC 3339 time, which custody requires to be to come; null when absent. */
    private static Instant expirationDate(JsonNode resource, String context) {
        String text = Json.optionalText(resource, "expirationDate", context);
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiError.invalidField(context, "expirationDate", "'expirationDate' must be an RFC 3339 time, such "
                    + "as 2030-01-01T00:00:00Z");
        }
    }

    private void list(ServerRequest req, ServerResponse res) {
        String context = "Keys could not be listed";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        Paging paging = Paging.of(req, 200, 5000, context);
        // Key Protect's 0 (Pre-activation) is a valid filter; keys made here are Active from the start.
        RootKeyListing listing = RootKeyListing.of(req, context);
        Page<RootKey> page = listing.nothing() ? new Page<>(List.of(), 0)
                : custody.rootKeys().list(principal.instanceId(), listing.query(), paging.limit(), paging.offset());
        // HEAD /api/v2/keys is Key Protect's count: the same filters, the number in Key-Total.
        res.header(KEY_TOTAL, Long.toString(page.total()));
        Json.sendCollection(res, Status.OK_200, KEY_TYPE, page.items().stream().map(RootKeysService::toJson).toList(),
                paging.totalCount() ? page.total() : null);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String context = "Key could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        String id = req.path().pathParameters().get("id");
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().get(principal.instanceId(), id));
        Json.sendCollection(res, Status.OK_200, KEY_TYPE, List.of(toJson(key)), null);
    }

    /**
     * Key actions, as POST .../actions/{action} or the legacy POST /keys/{id}?action=...: rotate (Manager,
     * Writer), disable and enable (Manager). Any body (none, {}, null) is accepted; only the rotation of an imported
     * key reads one (its new key material).
     */
    private void action(ServerRequest req, ServerResponse res, String action) {
        String id = req.path().pathParameters().get("id");
        switch (action) {
            case "rotate" -> {
                String context = "Key could not be rotated";
                ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_WRITERS);
                ImportedMaterial material = importedMaterial(Json.optionalObject(req, context), context);
                try {
                    CustodyCall.in(context, () -> custody.rootKeys().rotate(principal.instanceId(), id, material,
                            ApiAuthentication.requester(req)));
                } finally {
                    if (material instanceof ImportedMaterial.Plain plain) {
                        plain.material().close();
                    }
                }
            }
            case "disable" -> {
                ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
                CustodyCall.in("Key could not be disabled", () -> custody.rootKeys().disable(principal.instanceId(),
                        id, ApiAuthentication.requester(req)));
            }
            case "enable" -> {
                ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
                CustodyCall.in("Key could not be enabled", () -> custody.rootKeys().enable(principal.instanceId(),
                        id, ApiAuthentication.requester(req)));
            }
            case "setKeyForDeletion", "unsetKeyForDeletion" -> {
                ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
                CustodyCall.in("Key could not be " + (action.startsWith("set") ? "set" : "unset") + " for deletion",
                        () -> custody.rootKeys().authorizeDeletion(principal.instanceId(), id,
                                action.startsWith("set"), ApiAuthentication.requester(req)));
            }
            case "restore" -> {
                // The legacy POST /keys/{id}?action=restore.
                restore(req, res);
                return;
            }
            default -> {
                ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
                throw ApiError.invalidQueryParameter("Key action could not be performed", "action",
                        "The action '" + action + "' is not supported for root keys held in the HSM; supported: "
                                + "rotate, disable, enable, setKeyForDeletion, unsetKeyForDeletion, restore");
            }
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /**
     * Key Protect's delete: the key is Destroyed (5) but restorable until it is purged; {@code force=true} deletes a
     * key that protects adapters (their KMIP keys stop until it is restored). 204, or 200 with the key when the
     * request prefers a representation.
     */
    private void delete(ServerRequest req, ServerResponse res) {
        String context = "Key could not be deleted";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        boolean force = req.query().first("force").map(Boolean::parseBoolean).orElse(false);
        RootKey deleted = CustodyCall.in(context, () -> custody.rootKeys().delete(principal.instanceId(),
                req.path().pathParameters().get("id"), force, ApiAuthentication.requester(req)));
        sendPreferred(req, res, Status.OK_200, deleted, false);
    }

    /** Key Protect's restore of a deleted key: 201 with the key, back in the state it had. */
    private void restore(ServerRequest req, ServerResponse res) {
        String context = "Key could not be restored";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        RootKey restored = CustodyCall.in(context, () -> custody.rootKeys().restore(principal.instanceId(),
                req.path().pathParameters().get("id"), ApiAuthentication.requester(req)));
        Json.sendCollection(res, Status.CREATED_201, KEY_TYPE, List.of(toJson(restored)), null);
    }

    /**
     * Key Protect's purge of a deleted key, the crypto-shredding moment: its HSM objects are destroyed. 200 with
     * the key as it was purged, or 204 when the request prefers it minimal.
     */
    private void purge(ServerRequest req, ServerResponse res) {
        String context = "Key could not be purged";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        RootKey purged = CustodyCall.in(context, () -> custody.rootKeys().purge(principal.instanceId(),
                req.path().pathParameters().get("id"), ApiAuthentication.requester(req)));
        sendPreferred(req, res, Status.OK_200, purged, true);
    }

    /** The key, or 204 with none, as the request's Prefer header (and the route's default) says. */
    private static void sendPreferred(ServerRequest req, ServerResponse res, Status status, RootKey key,
                                      boolean representationByDefault) {
        String prefer = req.headers().first(PREFER).orElse("");
        boolean representation = prefer.contains("return=representation")
                || (representationByDefault && !prefer.contains("return=minimal"));
        if (representation) {
            Json.sendCollection(res, status, KEY_TYPE, List.of(toJson(key)), null);
        } else {
            res.status(Status.NO_CONTENT_204).send();
        }
    }

    private void versions(ServerRequest req, ServerResponse res) {
        String context = "Key versions could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        String id = req.path().pathParameters().get("id");
        Paging paging = Paging.of(req, 200, 5000, context);
        List<RootKeys.RootKeyVersion> all = CustodyCall.in(context, () -> custody.rootKeys().versions(
                principal.instanceId(), id));
        // A key has a version per rotation: few enough to page here rather than in the database.
        List<ObjectNode> versions = all.stream().skip(paging.offset()).limit(paging.limit()).map(version -> {
            ObjectNode json = Json.object();
            json.put("id", versionId(version.rootKeyId(), version.version()).toString());
            json.put("creationDate", Json.time(version.createdAt()));
            return json;
        }).toList();
        Json.sendCollection(res, Status.OK_200, "application/vnd.ibm.kms.key.version+json", versions,
                paging.totalCount() ? (long) all.size() : null);
    }

    private void addAlias(ServerRequest req, ServerResponse res) {
        String context = "Key alias could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_WRITERS);
        String alias = req.path().pathParameters().get("alias");
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().addAlias(principal.instanceId(),
                req.path().pathParameters().get("id"), alias, ApiAuthentication.requester(req)));
        ObjectNode json = Json.object();
        json.put("keyId", key.id().toString());
        json.put("alias", alias);
        json.put("creationDate", Json.time(Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        json.put("createdBy", principal.subject());
        Json.sendCollection(res, Status.CREATED_201, "application/vnd.ibm.kms.key_alias+json",
                List.of(json), null);
    }

    private void deleteAlias(ServerRequest req, ServerResponse res) {
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_WRITERS);
        CustodyCall.in("Key alias could not be deleted", () -> {
            custody.rootKeys().deleteAlias(principal.instanceId(), req.path().pathParameters().get("id"),
                    req.path().pathParameters().get("alias"), ApiAuthentication.requester(req));
            return null;
        });
        res.status(Status.NO_CONTENT_204).send();
    }

    /** An appliance extension: how far the re-wrap after the latest rotation has come. */
    private void rewrapProgress(ServerRequest req, ServerResponse res) {
        String context = "Key re-wrap progress could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().get(principal.instanceId(),
                req.path().pathParameters().get("id")));
        List<ObjectNode> progress = custody.rewrap().latest(key.id()).map(job -> {
            ObjectNode json = Json.object();
            json.put("state", job.state());
            json.put("toVersion", job.toVersion());
            json.put("total", job.total());
            json.put("done", job.done());
            json.put("failed", job.failed());
            json.put("startedAt", Json.time(job.startedAt()));
            if (job.finishedAt() != null) {
                json.put("finishedAt", Json.time(job.finishedAt()));
            }
            return List.of(json);
        }).orElse(List.of());
        Json.sendCollection(res, Status.OK_200, "application/vnd.kmip-appliance.rewrap+json", progress, null);
    }

    static ObjectNode toJson(RootKey key) {
        ObjectNode json = Json.object();
        json.put("type", KEY_TYPE);
        json.put("id", key.id().toString());
        json.put("name", key.name());
        if (!key.aliases().isEmpty()) {
            json.putArray("aliases").addAll(key.aliases().stream().map(alias -> (JsonNode) Json.MAPPER
                    .getNodeFactory().textNode(alias)).toList());
        }
        if (key.description() != null) {
            json.put("description", key.description());
        }
        json.put("state", key.state().code());
        json.put("extractable", false);
        json.put("imported", key.imported());
        json.put("crn", "crn:v1:onprem:private:kms:appliance:a/local:" + key.instanceId() + ":key:" + key.id());
        json.put("creationDate", Json.time(key.createdAt()));
        json.put("createdBy", key.createdBy());
        json.put("lastUpdateDate", Json.time(key.updatedAt()));
        if (key.lastRotatedAt() != null) {
            json.put("lastRotateDate", Json.time(key.lastRotatedAt()));
        }
        if (key.expirationDate() != null) {
            json.put("expirationDate", Json.time(key.expirationDate()));
        }
        json.put("algorithmType", "AES");
        // An imported key's length is what the HSM reports; SoftHSM2 reports none, and then it is left out.
        ObjectNode algorithm = json.putObject("algorithmMetadata");
        if (key.bitLength() != null) {
            algorithm.put("bitLength", key.bitLength().toString());
        }
        algorithm.put("mode", "GCM");
        if (key.bitLength() != null) {
            json.put("algorithmBitSize", key.bitLength());
        }
        json.put("algorithmMode", "GCM");
        ObjectNode version = json.putObject("keyVersion");
        version.put("id", versionId(key.id(), key.currentVersion()).toString());
        // The current version was made when the key was last rotated, or with the key.
        version.put("creationDate", Json.time(key.lastRotatedAt() != null ? key.lastRotatedAt() : key.createdAt()));
        ObjectNode dualAuth = json.putObject("dualAuthDelete").put("enabled", key.dualAuthDelete().enabled());
        if (key.dualAuthDelete().authorizedBy() != null) {
            dualAuth.put("keySetForDeletion", true);
            dualAuth.put("authExpiration", Json.time(key.dualAuthDelete().authorizationExpires()));
        }
        json.put("deleted", key.state() == RootKeyState.DESTROYED);
        if (key.deletion() != null) {
            RootKey.Deletion deletion = key.deletion();
            json.put("deletionDate", Json.time(deletion.deletedAt()));
            json.put("deletedBy", deletion.deletedBy());
            json.put("purgeAllowed", !Instant.now().isBefore(deletion.purgeAllowedFrom()));
            json.put("purgeAllowedFrom", Json.time(deletion.purgeAllowedFrom()));
            json.put("purgeScheduledOn", Json.time(deletion.purgeScheduledOn()));
            json.put("restoreAllowed", Instant.now().isBefore(deletion.restoreAllowedUntil()));
            json.put("restoreExpirationDate", Json.time(deletion.restoreAllowedUntil()));
        }
        // Every key is in Key Protect's default key ring: the appliance has no other rings.
        json.put("keyRingID", DEFAULT_KEY_RING);
        return json;
    }

    /** A stable UUID per root-key version, since Key Protect names versions by UUID. */
    static UUID versionId(UUID rootKeyId, int version) {
        return UUID.nameUUIDFromBytes((rootKeyId + "/" + version).getBytes(StandardCharsets.UTF_8));
    }
}
