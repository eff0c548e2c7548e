package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.AccessControl;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.IssuedApiToken;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;

/**
 * /api/v2/appliance/api_tokens: the appliance's own stand-in for IAM. Managers of an instance issue tokens with
 * roles on it (the secret is in the creation response only), list them without secrets, and revoke them.
 */
final class ApiTokensService {
    static final String TOKEN_TYPE = "application/vnd.kmip-appliance.api_token+json";
    private static final Set<Role> MANAGERS = Set.of(Role.MANAGER);

    private final KeyCustody custody;

    ApiTokensService(KeyCustody custody) {
        this.custody = custody;
    }

    void routes(Routes.Mount routes) {
        routes.post("/", this::issue)
                .get("/", this::list)
                .delete("/{token}", this::revoke);
    }

    private void issue(ServerRequest req, ServerResponse res) {
        String context = "API token could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        JsonNode resource = Json.singleResource(req, context);
        JsonNode rolesField = resource.get("roles");
        if (rolesField == null || !rolesField.isArray() || rolesField.isEmpty()) {
            throw ApiError.invalidField(context, "roles", "'roles' must list at least one of Manager, "
                    + "KmipAdapterManager, Writer, ReaderPlus, Reader");
        }
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (JsonNode role : rolesField) {
            roles.add(Role.parse(role.asText()).orElseThrow(() -> ApiError.invalidField(context, "roles",
                    "unknown role '" + role.asText() + "'")));
        }
        String expires = Json.optionalText(resource, "expires_at", context);
        Instant expiresAt;
        try {
            expiresAt = expires == null ? null : Instant.parse(expires);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidField(context, "expires_at", "'expires_at' must be an RFC 3339 time in UTC");
        }
        String description = Json.optionalText(resource, "description", context);
        IssuedApiToken issued = CustodyCall.in(context, () -> custody.access().issueToken(principal.instanceId(),
                description == null ? "" : description, roles, expiresAt, ApiAuthentication.requester(req)));
        ObjectNode json = Json.object();
        json.put("id", issued.id().toString());
        json.put("secret", issued.secret());
        json.put("description", description == null ? "" : description);
        json.putArray("roles").addAll(roles.stream().map(role -> (JsonNode) Json.MAPPER.getNodeFactory()
                .textNode(role.displayName())).toList());
        if (expiresAt != null) {
            json.put("expires_at", Json.time(expiresAt));
        }
        Json.sendCollection(res, Status.CREATED_201, TOKEN_TYPE, List.of(json), null);
    }

    private void list(ServerRequest req, ServerResponse res) {
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        List<ObjectNode> tokens = custody.access().listTokens(principal.instanceId()).stream()
                .map(ApiTokensService::toJson).toList();
        Json.sendCollection(res, Status.OK_200, TOKEN_TYPE, tokens, null);
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        String context = "API token could not be revoked";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        UUID id;
        try {
            id = UUID.fromString(req.path().pathParameters().get("token"));
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.NOT_FOUND_404, "API_TOKEN_NOT_FOUND_ERR", context, "no such API token", null,
                    null);
        }
        CustodyCall.in(context, () -> {
            custody.access().revokeToken(principal.instanceId(), id, ApiAuthentication.requester(req));
            return id;
        });
        res.status(Status.NO_CONTENT_204).send();
    }

    private static ObjectNode toJson(AccessControl.TokenInfo token) {
        ObjectNode json = Json.object();
        json.put("id", token.id().toString());
        json.put("description", token.description());
        json.putArray("roles").addAll(token.roles().stream().map(role -> (JsonNode) Json.MAPPER.getNodeFactory()
                .textNode(role.displayName())).toList());
        json.put("created_at", Json.time(token.createdAt()));
        if (token.expiresAt() != null) {
            json.put("expires_at", Json.time(token.expiresAt()));
        }
        if (token.revokedAt() != null) {
            json.put("revoked_at", Json.time(token.revokedAt()));
        }
        return json;
    }
}
