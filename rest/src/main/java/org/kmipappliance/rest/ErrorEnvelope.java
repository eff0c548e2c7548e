package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.kmipappliance.hsm.CustodyException;

/** Every error leaves the REST tier here, in Key Protect's envelope. */
final class ErrorEnvelope {
    static final String COLLECTION_TYPE = "application/vnd.ibm.kms.error+json";
    private static final String MORE_INFO = "https://cloud.ibm.com/apidocs/key-protect";

    private ErrorEnvelope() {
    }

    /** Sends {@code error} as the answer to {@code req}: without its body when that was a HEAD request. */
    static void send(ServerRequest req, ServerResponse res, ApiError error) {
        Json.send(req.prologue().method().equals(Method.HEAD) ? new HeadResponse(res) : res, error.status(),
                envelope(error));
    }

    /**
     * Errors the web server raises before routing (a body over its size limit, a malformed request line or
     * headers), in the same envelope, so no client ever gets a bare or empty error.
     */
    static DirectHandler transportErrors() {
        return (request, event, status, headers, message) -> {
            ApiError error = event == DirectHandler.EventType.PAYLOAD_TOO_LARGE || status.code() == 413
                    ? new ApiError(Status.REQUEST_ENTITY_TOO_LARGE_413, "BAD_BODY_ERR", null,
                            "the request body is too large", null, null)
                    : new ApiError(status, "BAD_REQUEST_ERR", null, "the request could not be read: "
                            + status.reasonPhrase(), null, null);
            try {
                return DirectHandler.TransportResponse.builder()
                        .status(error.status())
                        .header(HeaderNames.CONTENT_TYPE, "application/json")
                        .entity(Json.MAPPER.writeValueAsBytes(envelope(error)))
                        .keepAlive(false)
                        .build();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write an error envelope", e);
            }
        };
    }

    private static ObjectNode envelope(ApiError error) {
        ObjectNode resource = Json.object();
        String reasonPhrase = error.status().reasonPhrase();
        if (error.context() == null) {
            resource.put("errorMsg", reasonPhrase + ": " + error.getMessage());
        } else {
            resource.put("errorMsg", reasonPhrase + ": " + error.context()
                    + ": Please see 'reasons' for more details (" + error.code() + ")");
        }
        ObjectNode reason = resource.putArray("reasons").addObject();
        reason.put("code", error.code());
        reason.put("message", error.getMessage());
        reason.put("status", error.status().code());
        reason.put("moreInfo", MORE_INFO);
        if (error.targetType() != null) {
            ObjectNode target = reason.putObject("target");
            target.put("type", error.targetType());
            target.put("name", error.targetName());
        }
        ObjectNode body = Json.object();
        ObjectNode metadata = body.putObject("metadata");
        metadata.put("collectionType", COLLECTION_TYPE);
        metadata.put("collectionTotal", 1);
        body.putArray("resources").add(resource);
        return body;
    }

    /** The one mapping from custody failures to Key Protect errors. */
    static ApiError fromCustody(CustodyException e, String context) {
        return switch (e.failure()) {
            case INSTANCE_NOT_FOUND -> ApiAuthentication.unauthorized();
            case ROOT_KEY_NOT_FOUND -> context != null && context.startsWith("KMIP adapter")
                    ? new ApiError(Status.NOT_FOUND_404, "NATIVE_CRK_ID_NOT_FOUND_ERR", context, e.getMessage(),
                            "field", "profile_data.crk_id")
                    : new ApiError(Status.NOT_FOUND_404, "KEY_NOT_FOUND_ERR", context, e.getMessage(), null, null);
            case ROOT_KEY_ACTION_INVALID_STATE -> new ApiError(Status.CONFLICT_409, "KEY_ACTION_INVALID_STATE_ERR",
                    context, e.getMessage(), null, null);
            case ROOT_KEY_ALIAS_TAKEN -> new ApiError(Status.CONFLICT_409, "KEY_ALIAS_NOT_UNIQUE_ERR", context,
                    e.getMessage(), "field", "alias");
            case ROOT_KEY_ALIAS_LIMIT_REACHED -> new ApiError(Status.BAD_REQUEST_400, "KEY_ALIAS_QUOTA_ERR", context,
                    e.getMessage(), "field", "aliases");
            case ROOT_KEY_IN_USE -> new ApiError(Status.CONFLICT_409, "PROTECTED_RESOURCE_ERR", context,
                    e.getMessage(), null, null);
            case ROOT_KEY_ROTATION_TOO_SOON, ROOT_KEY_ROTATION_IN_PROGRESS -> new ApiError(Status.CONFLICT_409,
                    "KEY_ROTATION_NOT_PERMITTED", context, e.getMessage(), null, null);
            case ROOT_KEY_DELETION_NOT_AUTHORIZED -> new ApiError(Status.CONFLICT_409, "AUTHORIZATIONS_NOT_MET",
                    context, e.getMessage(), null, null);
            case ROOT_KEY_DELETION_SAME_PRINCIPAL -> new ApiError(Status.CONFLICT_409, "NOT_DUAL_AUTH_ERR", context,
                    e.getMessage(), null, null);
            case ROOT_KEY_ENABLE_TOO_SOON, ROOT_KEY_PURGE_TOO_SOON -> new ApiError(Status.CONFLICT_409,
                    "REQ_TOO_EARLY_ERR", context, e.getMessage(), null, null);
            case ROOT_KEY_NOT_ACTIVE -> new ApiError(Status.UNPROCESSABLE_CONTENT_422, "NATIVE_INVALID_CRK_ERR",
                    context, e.getMessage(), "field", "profile_data.crk_id");
            case ADAPTER_NOT_FOUND -> new ApiError(Status.NOT_FOUND_404, "KMIP_ADAPTER_NOT_FOUND_ERR", context,
                    e.getMessage(), null, null);
            case ADAPTER_NAME_TAKEN -> new ApiError(Status.CONFLICT_409, "KMIP_ADAPTER_DUPLICATE_NAME_ERR", context,
                    e.getMessage(), "field", "name");
            case ADAPTER_HAS_OBJECTS -> new ApiError(Status.CONFLICT_409, "KMIP_ADAPTER_HAS_OBJECTS_ERR", context,
                    e.getMessage(), null, null);
            case TOKEN_NOT_FOUND -> new ApiError(Status.NOT_FOUND_404, "API_TOKEN_NOT_FOUND_ERR", context,
                    e.getMessage(), null, null);
            case ADAPTER_LIMIT_REACHED -> new ApiError(Status.CONFLICT_409, "KMIP_ADAPTER_LIMIT_ERR", context,
                    e.getMessage(), null, null);
            case CERTIFICATE_NOT_FOUND -> new ApiError(Status.NOT_FOUND_404, "KMIP_CERT_NOT_FOUND_ERR", context,
                    e.getMessage(), null, null);
            case CERTIFICATE_ALREADY_REGISTERED -> new ApiError(Status.CONFLICT_409, "KMIP_CERT_DUPLICATE_ERR",
                    context, e.getMessage(), "field", "certificate");
            case CERTIFICATE_NAME_TAKEN -> new ApiError(Status.CONFLICT_409, "KMIP_CERT_DUPLICATE_NAME_ERR",
                    context, e.getMessage(), "field", "name");
            case CERTIFICATE_LIMIT_REACHED -> new ApiError(Status.CONFLICT_409, "KMIP_CERT_LIMIT_ERR", context,
                    e.getMessage(), null, null);
            case OBJECT_NOT_FOUND, OBJECT_DESTROYED -> new ApiError(Status.NOT_FOUND_404,
                    "KMIP_OBJECT_NOT_FOUND_ERR", context, e.getMessage(), null, null);
            // Archiving and key wrapping are KMIP's; REST reads and deletes archived objects as any other.
            case OBJECT_ARCHIVED, USAGE_FORBIDS -> new ApiError(Status.CONFLICT_409, "KMIP_OBJECT_INVALID_STATE_ERR",
                    context, e.getMessage(), null, null);
            case STATE_FORBIDS -> new ApiError(Status.CONFLICT_409, "KMIP_OBJECT_INVALID_STATE_ERR", context,
                    e.getMessage(), null, null);
            case ATTRIBUTE_ALREADY_SET, ATTRIBUTE_VALUE_TAKEN, TOO_MANY_INSTANCES -> new ApiError(Status.CONFLICT_409,
                    "KMIP_OBJECT_ATTRIBUTE_CONFLICT_ERR", context, e.getMessage(), "field", e.field());
            case INVALID_FIELD, UNSUPPORTED_ALGORITHM -> ApiError.invalidField(context, e.field(), e.getMessage());
            case ATTRIBUTE_LIMIT_REACHED -> new ApiError(Status.CONFLICT_409, "KMIP_OBJECT_ATTRIBUTE_LIMIT_ERR",
                    context, e.getMessage(), null, null);
            // Attributes change over KMIP only; REST never names one, so these cannot arise from a REST call.
            case ATTRIBUTE_NOT_SET, ATTRIBUTE_INDEX_NOT_FOUND -> new ApiError(Status.NOT_FOUND_404,
                    "KMIP_OBJECT_ATTRIBUTE_NOT_FOUND_ERR", context, e.getMessage(), "field", e.field());
            case ROOT_KEY_LIMIT_REACHED -> new ApiError(Status.CONFLICT_409, "KEY_LIMIT_ERR", context,
                    e.getMessage(), null, null);
            case TOKEN_LIMIT_REACHED -> new ApiError(Status.CONFLICT_409, "API_TOKEN_LIMIT_ERR", context,
                    e.getMessage(), null, null);
            case IMPORT_TOKEN_NOT_FOUND -> new ApiError(Status.NOT_FOUND_404, "IMPORT_TOKEN_NOT_FOUND_ERR", context,
                    e.getMessage(), null, null);
            case IMPORT_TOKEN_EXPIRED -> new ApiError(Status.BAD_REQUEST_400, "IMPORT_TOKEN_EXPIRED_ERR", context,
                    e.getMessage(), null, null);
            case IMPORT_TOKEN_EXHAUSTED -> new ApiError(Status.BAD_REQUEST_400, "IMPORT_TOKEN_RETRIEVALS_ERR",
                    context, e.getMessage(), null, null);
            case IMPORT_NONCE_MISMATCH -> new ApiError(Status.BAD_REQUEST_400, "INCORRECT_NONCE_ERR", context,
                    e.getMessage(), "field", e.field());
            case IMPORTED_KEY_REJECTED, IMPORT_WRAPPING_UNSUPPORTED -> ApiError.invalidField(context, e.field(),
                    e.getMessage());
            case PLAIN_IMPORT_DISABLED -> new ApiError(Status.BAD_REQUEST_400, "KEY_CREATE_IMPORT_ACCESS_ERR",
                    context, e.getMessage(), "field", e.field());
            case ROOT_KEY_PAYLOAD_REQUIRED -> new ApiError(Status.BAD_REQUEST_400, "KEY_PAYLOAD_REQ_ERR", context,
                    e.getMessage(), "field", e.field());
            // Key Protect's own words for it, a body field named a query_param (the contract's example).
            case ROOT_KEY_PAYLOAD_NOT_ALLOWED -> ApiError.invalidQueryParameter(context, e.field(), e.getMessage());
        };
    }
}
