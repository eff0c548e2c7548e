package org.kmipappliance.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Key Protect's JSON conventions: the metadata/resources envelope, RFC 3339 times, bounded request bodies. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Largest request body read. Our bodies are a certificate at most; more is a mistake or an attack. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private Json() {
    }

    static String time(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Sends {@code resources} in the envelope with {@code collectionType}. */
    static void sendCollection(ServerResponse res, Status status, String collectionType, List<ObjectNode> resources,
                               Long totalCount) {
        ObjectNode body = object();
        ObjectNode metadata = body.putObject("metadata");
        metadata.put("collectionType", collectionType);
        metadata.put("collectionTotal", resources.size());
        if (totalCount != null) {
            metadata.put("totalCount", totalCount);
        }
        ArrayNode array = body.putArray("resources");
        resources.forEach(array::add);
        send(res, status, body);
    }

    static void send(ServerResponse res, Status status, JsonNode body) {
        try {
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON response", e);
        }
    }

    /**
     * The single resource of an envelope request body. Any Content-Type is accepted, since real clients send none,
     * application/json or application/vnd.ibm.kms.*+json.
     */
    static JsonNode singleResource(ServerRequest req, String context) {
        JsonNode body = body(req, context);
        if (!body.isObject()) {
            throw ApiError.badRequest("BAD_BODY_ERR", context, "the body must be a JSON object with metadata and "
                    + "resources");
        }
        JsonNode resources = body.get("resources");
        if (resources == null || !resources.isArray()) {
            throw ApiError.badRequest("BAD_BODY_ERR", context, "the body must have a 'resources' array");
        }
        JsonNode total = body.path("metadata").get("collectionTotal");
        if (total != null && (!total.canConvertToInt() || total.asInt() != resources.size())) {
            throw ApiError.badRequest("COLLECTION_TOTAL_MISMATCH_ERR", context,
                    "Collection total does not match number of resources");
        }
        if (resources.size() != 1) {
            throw ApiError.badRequest("NUM_COLLECTION_RESOURCE_ERR", context,
                    "exactly one resource must be given, not " + resources.size());
        }
        if (!resources.get(0).isObject()) {
            throw ApiError.badRequest("BAD_BODY_ERR", context, "the resource must be a JSON object");
        }
        return resources.get(0);
    }

    /**
     * A flat JSON object body that may be left out: no body, {@code null} (what Key Protect's Go client sends for
     * an action without fields) and {@code {}} are all the empty object.
     */
    static JsonNode optionalObject(ServerRequest req, String context) {
        if (!req.content().hasEntity()) {
            return object();
        }
        JsonNode body = body(req, context, true);
        if (body.isNull() || body.isMissingNode()) {
            return object();
        }
        if (!body.isObject()) {
            throw ApiError.badRequest("BAD_BODY_ERR", context, "the body must be a JSON object");
        }
        return body;
    }

    private static JsonNode body(ServerRequest req, String context) {
        return body(req, context, false);
    }

    private static JsonNode body(ServerRequest req, String context, boolean emptyAllowed) {
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new ApiError(Status.REQUEST_ENTITY_TOO_LARGE_413, "BAD_BODY_ERR", context,
                    "the body is larger than " + MAX_BODY_BYTES + " bytes", null, null);
        }
        if (bytes.length == 0) {
            if (emptyAllowed) {
                return MAPPER.missingNode();
            }
            throw ApiError.badRequest("NO_BODY_ERR", context, "Missing body in request");
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw ApiError.badRequest("BAD_BODY_ERR", context, "Invalid body data was passed: Please ensure the "
                    + "data passed had valid formatting with no invalid characters");
        }
    }

    /** An optional string field; any other JSON type is an invalid field. */
    static String optionalText(JsonNode resource, String field, String context) {
        JsonNode value = resource.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiError.invalidField(context, field, "'" + field + "' must be a string");
        }
        return value.asText();
    }
}
