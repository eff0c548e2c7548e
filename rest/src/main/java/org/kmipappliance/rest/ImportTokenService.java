package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.ImportTokens;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;

/**
 * /api/v2/import_token: Key Protect's import token, what a root key's material is wrapped for before it is brought
 * in. POST makes the instance's token (superseding the one it had): its lifetime ({@code expiration}, seconds) and
 * how many times it may be retrieved. GET retrieves it, counting one retrieval: the HSM's RSA-4096 public key as a
 * base64-encoded PEM, and the nonce to encrypt with the key material. Bodies are flat, as Key Protect's are.
 */
final class ImportTokenService {
    private static final Set<Role> MANAGERS = Set.of(Role.MANAGER);

    private final KeyCustody custody;

    ImportTokenService(KeyCustody custody) {
        this.custody = custody;
    }

    void routes(Routes.Mount routes) {
        routes.post("/", this::create).get("/", this::retrieve);
    }

    private void create(ServerRequest req, ServerResponse res) {
        String context = "Import token could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, MANAGERS);
        JsonNode body = Json.optionalObject(req, context);
        long seconds = wholeNumber(body, "expiration", ImportTokens.DEFAULT_LIFETIME.toSeconds(), context);
        long retrievals = wholeNumber(body, "maxAllowedRetrievals", ImportTokens.DEFAULT_RETRIEVALS, context);
        ImportTokens.ImportToken token = CustodyCall.in(context, () -> custody.importTokens().create(
                principal.instanceId(), Duration.ofSeconds(seconds), (int) Math.min(Integer.MAX_VALUE, retrievals),
                ApiAuthentication.requester(req)));
        Json.send(res, Status.CREATED_201, terms(token));
    }

    private void retrieve(ServerRequest req, ServerResponse res) {
        String context = "Import token could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_WRITERS);
        ImportTokens.TransportKey transport = CustodyCall.in(context, () -> custody.importTokens().retrieve(
                principal.instanceId(), ApiAuthentication.requester(req)));
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(
                        transport.publicKey())
                + "\n-----END PUBLIC KEY-----\n";
        ObjectNode json = terms(transport.token());
        json.put("payload", Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)));
        json.put("nonce", Base64.getEncoder().encodeToString(transport.nonce()));
        Json.send(res, Status.OK_200, json);
    }

    private static ObjectNode terms(ImportTokens.ImportToken token) {
        ObjectNode json = Json.object();
        json.put("creationDate", Json.time(token.createdAt()));
        json.put("expirationDate", Json.time(token.expiresAt()));
        json.put("maxAllowedRetrievals", token.maxAllowedRetrievals());
        json.put("remainingRetrievals", token.remainingRetrievals());
        return json;
    }

    /** A whole-number field, {@code otherwise} when absent (Key Protect's clients leave out zero values). */
    private static long wholeNumber(JsonNode body, String field, long otherwise, String context) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return otherwise;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber()) {
            throw ApiError.invalidField(context, field, "'" + field + "' must be a whole number");
        }
        return value.asLong();
    }
}
