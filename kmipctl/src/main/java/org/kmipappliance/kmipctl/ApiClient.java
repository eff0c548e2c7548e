package org.kmipappliance.kmipctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;

/**
 * The appliance's public REST API as kmipctl calls it: Key Protect's envelope on the way in and out, its error
 * envelope turned into an {@link ApiException} with the code and message, and nothing else: no private endpoint.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The most a list call asks for per page; kmipctl pages on until it has them all. */
    private static final int PAGE = 200;

    private final Connection connection;
    private final HttpClient http;

    ApiClient(Connection connection) throws ApiException {
        this.connection = connection;
        this.http = HttpClient.newBuilder().sslContext(connection.tls()).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The body of a GET. */
    JsonNode get(String path) throws ApiException {
        return send("GET", path, null);
    }

    /** Every resource of a paged list, page after page (limit, offset and totalCount, as Key Protect pages). */
    List<JsonNode> getAll(String path) throws ApiException {
        List<JsonNode> all = new ArrayList<>();
        String separator = path.contains("?") ? "&" : "?";
        while (true) {
            JsonNode page = get(path + separator + "limit=" + PAGE + "&offset=" + all.size() + "&totalCount=true");
            page.path("resources").forEach(all::add);
            long total = page.path("metadata").path("totalCount").asLong(all.size());
            if (page.path("resources").size() < PAGE || all.size() >= total) {
                return all;
            }
        }
    }

    /** The resources of an unpaged list. */
    List<JsonNode> getList(String path) throws ApiException {
        List<JsonNode> all = new ArrayList<>();
        get(path).path("resources").forEach(all::add);
        return all;
    }

    /** POSTs {@code resource} in the envelope; the first resource of the answer, or null for 204. */
    JsonNode create(String path, String collectionType, ObjectNode resource) throws ApiException {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("metadata").put("collectionType", collectionType).put("collectionTotal", 1);
        ArrayNode resources = body.putArray("resources");
        resources.add(resource);
        JsonNode answer = send("POST", path, body.toString());
        return answer == null ? null : answer.path("resources").path(0);
    }

    /** A POST without a body (the key actions). */
    void post(String path) throws ApiException {
        send("POST", path, null);
    }

    void delete(String path) throws ApiException {
        send("DELETE", path, null);
    }

    private JsonNode send(String method, String path, String body) throws ApiException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(connection.url() + path))
                .timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + connection.token())
                .header("accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (connection.instance() != null) {
            request.header("bluemix-instance", connection.instance());
        }
        if (body != null) {
            request.header("content-type", "application/json");
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (SSLHandshakeException e) {
            throw new ApiException(0, null, "TLS with " + connection.url() + " failed (" + e.getMessage() + "); give "
                    + "the appliance's CA certificate with --cacert (the appliance's own is <state>/pki/ca.pem)");
        } catch (ConnectException e) {
            throw new ApiException(0, null, "cannot connect to " + connection.url() + "; is the appliance running "
                    + "and the URL right?");
        } catch (HttpTimeoutException e) {
            throw new ApiException(0, null, connection.url() + " did not answer in time");
        } catch (IOException e) {
            throw new ApiException(0, null, "cannot reach " + connection.url() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, null, "interrupted");
        }
        JsonNode json = parse(response.body());
        if (response.statusCode() >= 400) {
            throw refusal(response.statusCode(), json);
        }
        return json;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Key Protect's error envelope: the first reason's code and message, after what could not be done ("Key could
     * not be created"), which errorMsg carries between the HTTP reason phrase and its pointer to the reasons.
     */
    private static ApiException refusal(int status, JsonNode json) {
        JsonNode error = json == null ? null : json.path("resources").path(0);
        if (error == null || error.isMissingNode()) {
            return new ApiException(status, null, "the appliance answered HTTP " + status);
        }
        JsonNode reason = error.path("reasons").path(0);
        String code = reason.path("code").asText(null);
        String context = error.path("errorMsg").asText("").replaceFirst("^[^:]*: ", "")
                .replaceFirst(": Please see 'reasons'.*$", "");
        String detail = reason.path("message").asText("");
        String message = detail.isEmpty() ? context : context.isEmpty() || context.equals(detail) ? detail
                : context + ": " + detail;
        return new ApiException(status, code, message.isEmpty() ? "the appliance answered HTTP " + status : message);
    }
}
