package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Page;
import org.kmipappliance.hsm.RootKey;

/** /api/v2/keys: root keys, generated in the HSM. Standard (extractable) and imported keys are not offered. */
final class RootKeysService implements HttpService {
    static final String KEY_TYPE = "application/vnd.ibm.kms.key+json";

    private final KeyCustody custody;

    RootKeysService(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get);
    }

    private void create(ServerRequest req, ServerResponse res) {
        String context = "Key could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_WRITERS);
        JsonNode resource = Json.singleResource(req, context);
        JsonNode extractable = resource.get("extractable");
        if (extractable != null && !extractable.isNull() && (!extractable.isBoolean() || extractable.asBoolean())) {
            throw ApiError.invalidField(context, "extractable",
                    "only root keys (extractable: false) are held by this appliance");
        }
        if (resource.hasNonNull("payload")) {
            throw ApiError.invalidField(context, "payload",
                    "root keys are generated in the HSM; importing key material is not supported");
        }
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().create(principal.instanceId(),
                Json.optionalText(resource, "name", context), Json.optionalText(resource, "description", context),
                principal.subject()));
        Json.sendCollection(res, Status.CREATED_201, KEY_TYPE, java.util.List.of(toJson(key)), null);
    }

    private void list(ServerRequest req, ServerResponse res) {
        String context = "Keys could not be listed";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        Paging paging = Paging.of(req, 200, 5000, context);
        Page<RootKey> page = custody.rootKeys().list(principal.instanceId(), paging.limit(), paging.offset());
        Json.sendCollection(res, Status.OK_200, KEY_TYPE, page.items().stream().map(RootKeysService::toJson).toList(),
                paging.totalCount() ? page.total() : null);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String context = "Key could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        String id = req.path().pathParameters().get("id");
        RootKey key = CustodyCall.in(context, () -> custody.rootKeys().get(principal.instanceId(), id));
        Json.sendCollection(res, Status.OK_200, KEY_TYPE, java.util.List.of(toJson(key)), null);
    }

    static ObjectNode toJson(RootKey key) {
        ObjectNode json = Json.object();
        json.put("type", KEY_TYPE);
        json.put("id", key.id().toString());
        json.put("name", key.name());
        if (key.description() != null) {
            json.put("description", key.description());
        }
        json.put("state", key.state().code());
        json.put("extractable", false);
        json.put("imported", false);
        json.put("crn", "crn:v1:onprem:private:kms:appliance:a/local:" + key.instanceId() + ":key:" + key.id());
        json.put("creationDate", Json.time(key.createdAt()));
        json.put("createdBy", key.createdBy());
        json.put("lastUpdateDate", Json.time(key.updatedAt()));
        json.put("algorithmType", "AES");
        json.putObject("algorithmMetadata").put("bitLength", "256").put("mode", "GCM");
        json.put("algorithmBitSize", 256);
        json.put("algorithmMode", "GCM");
        ObjectNode version = json.putObject("keyVersion");
        version.put("id", versionId(key).toString());
        version.put("creationDate", Json.time(key.updatedAt()));
        json.putObject("dualAuthDelete").put("enabled", false);
        json.put("deleted", false);
        return json;
    }

    /** A stable UUID per root-key version, since Key Protect names versions by UUID. */
    static UUID versionId(RootKey key) {
        return UUID.nameUUIDFromBytes((key.id() + "/" + key.currentVersion()).getBytes(StandardCharsets.UTF_8));
    }
}
