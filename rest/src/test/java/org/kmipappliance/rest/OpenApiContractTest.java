package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.LifecycleEvent;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.ControlledHsm;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/**
 * docs/openapi.yaml against the server it describes: it is a valid OpenAPI 3.0 document, it documents every route
 * the server serves and no other, and real responses (successes and errors, from every route) have a documented
 * status and match their documented schema, which allows no field it does not name.
 */
class OpenApiContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOCUMENT_IRI = "https://kmip-appliance.invalid/openapi.json";
    private static final Pattern PARAMETER = Pattern.compile("\\{([a-z]+)}");

    private static String text;
    private static JsonNode document;
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static ControlledHsm hsm;
    private static RestServer server;
    private static HttpClient http;
    private static Instance instance;
    private static String token;
    private static final AtomicBoolean kmipListening = new AtomicBoolean(true);

    /** A request made and what came back. */
    private record Exchange(String method, String path, int status, String body, HttpResponse<String> raw) {
    }

    private static final List<Exchange> EXCHANGES = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        try (InputStream in = OpenApiContractTest.class.getResourceAsStream("/openapi.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        document = new YAMLMapper().readTree(text);
        database = TestDatabase.fresh();
        hsm = new ControlledHsm(TestHsm.hsm());
        custody = new KeyCustody(hsm, database, Clock.systemUTC(), new RootKeyPolicy(Duration.ZERO,
                Duration.ofHours(1), RootKeyPolicy.DEFAULT_MAX_PER_INSTANCE, RootKeyPolicy.KEY_PROTECT_RESTORE_WINDOW,
                Duration.ZERO, RootKeyPolicy.KEY_PROTECT_AUTOMATIC_PURGE, false));
        instance = custody.access().createInstance("openapi", TESTER);
        token = custody.access().issueToken(instance.id(), "manager", EnumSet.of(Role.MANAGER), null, TESTER)
                .secret();
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start(RestServerConfig.defaults("127.0.0.1", 0), identity.privateKey(),
                List.of(identity.certificate()), custody, new HealthChecks(() -> Map.of("kmip", kmipListening.get()),
                        () -> List.of("a warning for the operator")), TestOnboarding.presenting(identity));
        http = HttpClient.newBuilder().sslContext(TlsContexts.create(null, TestCertificates.authority()
                .certificate())).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    private static Exchange call(String method, String path, String body) throws Exception {
        return call(method, path, body, token, Map.of());
    }

    private static Exchange call(String method, String path, String body, String bearer, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("bluemix-instance", instance.id().toString());
        if (bearer != null) {
            request.header("authorization", "Bearer " + bearer);
        }
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Exchange exchange = new Exchange(method, path, response.statusCode(), response.body(), response);
        EXCHANGES.add(exchange);
        return exchange;
    }

    private static Exchange expect(int status, String method, String path, String body) throws Exception {
        Exchange exchange = call(method, path, body);
        assertEquals(status, exchange.status(), method + " " + path + ": " + exchange.body());
        return exchange;
    }

    private static String policyEnvelope(boolean dualAuthDelete) {
        return "{\"metadata\":{\"collectionType\":\"application/vnd.ibm.kms.policy+json\",\"collectionTotal\":1},"
                + "\"resources\":[{\"type\":\"application/vnd.ibm.kms.policy+json\",\"dualAuthDelete\":{\"enabled\":"
                + dualAuthDelete + "}}]}";
    }

    private static String envelope(String resource) {
        return "{\"metadata\":{\"collectionType\":\"application/json\",\"collectionTotal\":1},\"resources\":["
                + resource + "]}";
    }

    private static String idOf(Exchange exchange) throws IOException {
        return JSON.readTree(exchange.body()).at("/resources/0/id").asText();
    }

    @Test
    void theDocument_isValidOpenApi30_withAUniqueOperationIdForEveryOperation() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(text, null, options);
        assertNotNull(parsed.getOpenAPI(), "the document parses");
        assertEquals(List.of(), parsed.getMessages(), "the validator finds nothing wrong");
        Set<String> operationIds = new HashSet<>();
        for (Map.Entry<String, JsonNode> path : entries(document.path("paths"))) {
            for (Map.Entry<String, JsonNode> operation : entries(path.getValue())) {
                if (operation.getKey().equals("parameters")) {
                    continue;
                }
                String id = operation.getValue().path("operationId").asText();
                assertFalse(id.isEmpty(), operation.getKey() + " " + path.getKey() + " has an operationId");
                assertTrue(operationIds.add(id), "operationId " + id + " is unique");
            }
        }
    }

    @Test
    void everyServedRoute_isDocumented_withItsPathParameters_andNothingElseIs() {
        Set<String> served = new TreeSet<>();
        for (Routes.Route route : server.routes().all()) {
            served.add(route.method() + " " + route.template());
        }
        Set<String> documented = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : entries(document.path("paths"))) {
            for (Map.Entry<String, JsonNode> operation : entries(path.getValue())) {
                if (operation.getKey().equals("parameters")) {
                    continue;
                }
                documented.add(operation.getKey().toUpperCase() + " " + path.getKey());
                Set<String> declared = new TreeSet<>();
                for (JsonNode parameter : parametersOf(path.getKey(), operation.getKey())) {
                    if (parameter.path("in").asText().equals("path")) {
                        declared.add(parameter.path("name").asText());
                    }
                }
                Set<String> inTemplate = new TreeSet<>();
                Matcher name = PARAMETER.matcher(path.getKey());
                while (name.find()) {
                    inTemplate.add(name.group(1));
                }
                assertEquals(inTemplate, declared, "path parameters of " + path.getKey());
            }
        }
        assertEquals(served, documented);
    }

    @Test
    void realResponses_haveADocumentedStatus_andMatchTheirSchema() throws Exception {
        exerciseEveryRoute();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(),
                builder -> builder.schemas(Map.of(DOCUMENT_IRI, document.toString())));
        Set<String> exercised = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (Exchange exchange : EXCHANGES) {
            String pathOnly = exchange.path().contains("?") ? exchange.path().substring(0,
                    exchange.path().indexOf('?')) : exchange.path();
            String template = server.routes().templateOf(exchange.method(), pathOnly);
            String what = exchange.method() + " " + exchange.path() + " -> " + exchange.status();
            assertFalse(template.equals(Routes.UNMATCHED), what);
            exercised.add(exchange.method() + " " + template);
            checkQueryParameters(exchange, template, problems);
            String operation = pointer("paths", template, exchange.method().toLowerCase());
            JsonNode response = resolve(document.at(operation).path("responses").path(
                    Integer.toString(exchange.status())));
            if (response.isMissingNode()) {
                problems.add(what + ": status not documented");
                continue;
            }
            if (template.startsWith("/api/")) {
                assertTrue(exchange.raw().headers().firstValue("correlation-id").isPresent(), what);
            }
            JsonNode content = response.path("content");
            if (content.isMissingNode()) {
                if (!exchange.body().isEmpty()) {
                    problems.add(what + ": documented without a body, but has one");
                }
                continue;
            }
            if (!content.has("application/json")) {
                continue; // text: the metrics and this document
            }
            String schemaPointer = responseSchemaPointer(operation, exchange.status());
            Schema schema = registry.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#" + schemaPointer));
            List<com.networknt.schema.Error> errors = schema.validate(JSON.readTree(exchange.body()),
                    execution -> execution.executionConfig(config -> config.formatAssertionsEnabled(true)));
            if (!errors.isEmpty()) {
                problems.add(what + ": " + errors + " in " + exchange.body());
            }
        }
        assertEquals(List.of(), problems);
        Set<String> all = new TreeSet<>();
        server.routes().all().forEach(route -> all.add(route.method() + " " + route.template()));
        assertEquals(all, exercised, "every route was exercised");
    }

    /** Successes and the errors of every route: what a client of each can see. */
    private static void exerciseEveryRoute() throws Exception {
        String key = idOf(expect(201, "POST", "/api/v2/keys", envelope("{\"type\":\"application/vnd.ibm.kms"
                + ".key+json\",\"name\":\"contract-key\",\"description\":\"for the contract\",\"aliases\":"
                + "[\"contract-alias\"],\"extractable\":false}")));
        expect(400, "POST", "/api/v2/keys", envelope("{\"name\":\"x\",\"extractable\":true}"));
        expect(400, "POST", "/api/v2/keys", "not json");
        expect(413, "POST", "/api/v2/keys", envelope("{\"name\":\"" + "x".repeat(Json.MAX_BODY_BYTES) + "\"}"));
        expect(200, "GET", "/api/v2/keys?limit=10&offset=0&totalCount=true&state=1,2,3,5", null);
        expect(400, "GET", "/api/v2/keys?limit=abc", null);
        assertEquals(401, call("GET", "/api/v2/keys", null, null, Map.of()).status());
        expect(200, "GET", "/api/v2/keys/" + key, null);
        expect(200, "GET", "/api/v2/keys/contract-alias", null);
        expect(404, "GET", "/api/v2/keys/" + UUID.randomUUID(), null);
        expect(200, "GET", "/api/v2/keys/" + key + "/metadata", null);
        expect(404, "GET", "/api/v2/keys/no-such-alias/metadata", null);
        expect(200, "GET", "/api/v2/keys/" + key + "/rewrap", null);
        expect(204, "POST", "/api/v2/keys/" + key + "/actions/rotate", null);
        expect(400, "POST", "/api/v2/keys/" + key + "/actions/explode", null);
        expect(200, "GET", "/api/v2/keys/" + key + "/versions", null);
        expect(404, "GET", "/api/v2/keys/" + UUID.randomUUID() + "/versions", null);
        awaitRewrapFinished(key);
        expect(200, "GET", "/api/v2/keys/" + key + "/rewrap", null);
        expect(204, "POST", "/api/v2/keys/" + key + "?action=disable", null);
        expect(409, "POST", "/api/v2/keys/" + key + "?action=enable", null);
        expect(409, "POST", "/api/v2/keys/" + key + "/actions/rotate", null);
        expect(201, "POST", "/api/v2/keys/" + key + "/aliases/second-alias", null);
        expect(409, "POST", "/api/v2/keys/" + key + "/aliases/second-alias", null);
        expect(204, "DELETE", "/api/v2/keys/" + key + "/aliases/second-alias", null);
        expect(404, "DELETE", "/api/v2/keys/" + key + "/aliases/never-added", null);
        assertEquals(200, call("DELETE", "/api/v2/keys/" + key, null, token, Map.of("Prefer",
                "return=representation")).status());
        expect(201, "POST", "/api/v2/keys", envelope("{\"name\":\"expiring\","
                + "\"expirationDate\":\"2099-01-01T00:00:00Z\"}"));
        expect(400, "POST", "/api/v2/keys", envelope("{\"name\":\"expired\","
                + "\"expirationDate\":\"2001-01-01T00:00:00Z\"}"));
        String plain = idOf(expect(201, "POST", "/api/v2/keys", envelope("{\"name\":\"plain-delete\"}")));
        expect(200, "GET", "/api/v2/keys/" + plain + "/policies", null);
        expect(200, "PUT", "/api/v2/keys/" + plain + "/policies?policy=dualAuthDelete", policyEnvelope(true));
        expect(409, "PUT", "/api/v2/keys/" + plain + "/policies?policy=dualAuthDelete", policyEnvelope(false));
        expect(409, "DELETE", "/api/v2/keys/" + plain, null);
        expect(204, "POST", "/api/v2/keys/" + plain + "/actions/setKeyForDeletion", null);
        expect(409, "DELETE", "/api/v2/keys/" + plain, null);
        expect(204, "POST", "/api/v2/keys/" + plain + "/actions/unsetKeyForDeletion", null);
        expect(201, "POST", "/api/v2/keys_with_policy_overrides", envelope("{\"name\":\"dual\","
                + "\"dualAuthDelete\":{\"enabled\":true}}"));
        expect(400, "POST", "/api/v2/keys_with_policy_overrides", envelope("{\"name\":\"auto\","
                + "\"rotation\":{\"enabled\":true,\"interval_month\":3}}"));
        plain = idOf(expect(201, "POST", "/api/v2/keys", envelope("{\"name\":\"plain-delete-2\"}")));
        expect(204, "DELETE", "/api/v2/keys/" + plain, null);
        expect(201, "POST", "/api/v2/keys/" + plain + "/restore", null);
        expect(409, "POST", "/api/v2/keys/" + plain + "/restore", null);
        expect(409, "DELETE", "/api/v2/keys/" + plain + "/purge", null);
        expect(204, "DELETE", "/api/v2/keys/" + plain, null);
        expect(200, "DELETE", "/api/v2/keys/" + plain + "/purge", null);
        expect(404, "DELETE", "/api/v2/keys/" + plain + "/purge", null);
        hsm.refuseNext(ControlledHsm.Point.BEFORE_CREATE_ROOT_KEY, label -> true);
        expect(503, "POST", "/api/v2/keys", envelope("{\"name\":\"hsm-down\"}"));
        assertEquals(201, call("POST", "/api/v2/keys", envelope("{\"name\":\"minimal\"}"), token,
                Map.of("Prefer", "return=minimal")).status());

        expect(200, "GET", "/ui", null);
        expect(200, "GET", "/ui/console.js", null);
        expect(404, "GET", "/ui/missing.js", null);
        expect(404, "GET", "/api/v2/import_token", null);
        expect(400, "POST", "/api/v2/import_token", "{\"maxAllowedRetrievals\":0}");
        expect(201, "POST", "/api/v2/import_token", "{\"expiration\":300,\"maxAllowedRetrievals\":1}");
        expect(200, "GET", "/api/v2/import_token", null);
        expect(400, "GET", "/api/v2/import_token", null);
        expect(400, "POST", "/api/v2/keys", envelope("{\"name\":\"plain-import\",\"payload\":\"AAAA\"}"));

        String root = idOf(expect(201, "POST", "/api/v2/keys", envelope("{\"name\":\"adapter-root\"}")));
        String adapterBody = "{\"profile\":\"native_1.0\",\"profile_data\":{\"crk_id\":\"" + root
                + "\"},\"name\":\"contract-adapter\",\"description\":\"an adapter\"}";
        String adapter = idOf(expect(201, "POST", "/api/v2/kmip_adapters", envelope(adapterBody)));
        expect(409, "POST", "/api/v2/kmip_adapters", envelope(adapterBody));
        expect(404, "POST", "/api/v2/kmip_adapters", envelope("{\"profile\":\"native_1.0\",\"profile_data\":"
                + "{\"crk_id\":\"" + UUID.randomUUID() + "\"}}"));
        String disabled = idOf(expect(201, "POST", "/api/v2/keys", envelope("{\"name\":\"disabled-root\"}")));
        expect(204, "POST", "/api/v2/keys/" + disabled + "/actions/disable", null);
        expect(422, "POST", "/api/v2/kmip_adapters", envelope("{\"profile\":\"native_1.0\",\"profile_data\":"
                + "{\"crk_id\":\"" + disabled + "\"}}"));
        expect(200, "GET", "/api/v2/kmip_adapters?limit=5&offset=0&totalCount=true&crk_id=" + root, null);
        expect(200, "GET", "/api/v2/kmip_adapters?crk_id=not-a-key", null);
        expect(409, "DELETE", "/api/v2/keys/" + root, null);
        expect(200, "GET", "/api/v2/kmip_adapters/contract-adapter", null);
        expect(404, "GET", "/api/v2/kmip_adapters/no-such-adapter", null);

        String pem = TestCertificates.clientPem("contract client");
        String certificate = idOf(expect(201, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates",
                envelope("{\"certificate\":" + JSON.writeValueAsString(pem) + ",\"name\":\"contract-cert\"}")));
        expect(409, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates", envelope("{\"certificate\":"
                + JSON.writeValueAsString(pem) + "}"));
        expect(400, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates", envelope(
                "{\"certificate\":\"not a certificate\"}"));
        expect(200, "GET", "/api/v2/kmip_adapters/" + adapter + "/certificates?limit=5&offset=0&totalCount=true",
                null);
        expect(404, "GET", "/api/v2/kmip_adapters/no-such-adapter/certificates", null);
        expect(200, "GET", "/api/v2/kmip_adapters/" + adapter + "/certificates/contract-cert", null);
        expect(404, "GET", "/api/v2/kmip_adapters/" + adapter + "/certificates/no-such-cert", null);
        expect(201, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates/issue", envelope(
                "{\"name\":\"contract-issued\",\"key_type\":\"EC-P256\",\"validity_days\":30}"));
        expect(400, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates/issue", envelope(
                "{\"key_type\":\"DSA\"}"));
        expect(404, "POST", "/api/v2/kmip_adapters/no-such-adapter/certificates/issue", envelope("{}"));
        expect(201, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates/sign", envelope("{\"csr\":"
                + JSON.writeValueAsString(TestCertificates.csr("CN=contract", TestCertificates.keyPair("EC", 256)))
                + "}"));
        expect(400, "POST", "/api/v2/kmip_adapters/" + adapter + "/certificates/sign", envelope(
                "{\"csr\":\"not a request\"}"));
        expect(200, "GET", "/api/v2/appliance/kmip_server_chain", null);
        expect(200, "GET", "/api/v2/appliance/usage", null);
        expect(200, "GET", "/api/v2/appliance/usage?from=2026-01-01&to=2026-01-31", null);
        expect(400, "GET", "/api/v2/appliance/usage?from=yesterday", null);

        TestTenant tenant = TestTenant.create(custody, instance, "contract-objects");
        String objectsPath = "/api/v2/kmip_adapters/" + tenant.adapter().id() + "/kmip_objects";
        UUID active = custody.objects().createSymmetricKey(tenant.caller(), KmipObjects.AES, 256, 12).id();
        custody.objects().transition(tenant.caller(), active, LifecycleEvent.ACTIVATE, null, null, null);
        UUID preActive = custody.objects().createSymmetricKey(tenant.caller(), KmipObjects.AES, 256, 12).id();
        expect(200, "GET", objectsPath + "?limit=10&offset=0&totalCount=true&state=1,2,3,4,5,6", null);
        expect(400, "GET", objectsPath + "?state=9", null);
        expect(200, "GET", objectsPath + "/" + active, null);
        expect(404, "GET", objectsPath + "/not-a-uuid", null);
        expect(409, "DELETE", "/api/v2/kmip_adapters/" + tenant.adapter().id(), null);
        expect(409, "DELETE", objectsPath + "/" + active, null);
        expect(400, "DELETE", objectsPath + "/" + active + "?force=perhaps", null);
        expect(204, "DELETE", objectsPath + "/" + active + "?force=true", null);
        expect(204, "DELETE", objectsPath + "/" + preActive, null);
        expect(200, "GET", objectsPath + "/" + active, null);

        expect(204, "DELETE", "/api/v2/kmip_adapters/" + adapter + "/certificates/" + certificate, null);
        expect(404, "DELETE", "/api/v2/kmip_adapters/" + adapter + "/certificates/" + certificate, null);
        expect(204, "DELETE", "/api/v2/kmip_adapters/" + adapter, null);
        expect(404, "DELETE", "/api/v2/kmip_adapters/" + adapter, null);

        String issued = idOf(expect(201, "POST", "/api/v2/appliance/api_tokens", envelope("{\"roles\":[\"Reader\","
                + "\"Writer\"],\"description\":\"contract\",\"expires_at\":\"2099-01-01T00:00:00Z\"}")));
        expect(400, "POST", "/api/v2/appliance/api_tokens", envelope("{\"roles\":[\"Superuser\"]}"));
        expect(200, "GET", "/api/v2/appliance/api_tokens", null);
        expect(204, "DELETE", "/api/v2/appliance/api_tokens/" + issued, null);
        expect(200, "GET", "/api/v2/appliance/api_tokens", null);
        expect(404, "DELETE", "/api/v2/appliance/api_tokens/" + UUID.randomUUID(), null);

        expect(200, "GET", "/health", null);
        kmipListening.set(false);
        expect(503, "GET", "/health", null);
        kmipListening.set(true);
        expect(200, "GET", "/metrics", null);
        assertEquals(401, call("GET", "/metrics", null, null, Map.of()).status(), "metrics need a token");
        expect(200, "GET", "/openapi", null);
    }

    private static void awaitRewrapFinished(String key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (JSON.readTree(call("GET", "/api/v2/keys/" + key + "/rewrap", null).body())
                    .at("/resources/0/state").asText().equals("finished")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the re-wrap did not finish");
    }

    /** Each query parameter a request used is declared by its operation. */
    private static void checkQueryParameters(Exchange exchange, String template, List<String> problems) {
        int query = exchange.path().indexOf('?');
        if (query < 0) {
            return;
        }
        Set<String> declared = new HashSet<>();
        for (JsonNode parameter : parametersOf(template, exchange.method().toLowerCase())) {
            if (parameter.path("in").asText().equals("query")) {
                declared.add(parameter.path("name").asText());
            }
        }
        for (String pair : exchange.path().substring(query + 1).split("&")) {
            String name = pair.substring(0, pair.indexOf('='));
            if (!declared.contains(name)) {
                problems.add(exchange.method() + " " + template + ": query parameter " + name + " not documented");
            }
        }
    }

    /** An operation's parameters and its path's, references resolved. */
    private static List<JsonNode> parametersOf(String path, String method) {
        List<JsonNode> parameters = new ArrayList<>();
        JsonNode item = document.path("paths").path(path);
        for (JsonNode parameter : item.path("parameters")) {
            parameters.add(resolve(parameter));
        }
        for (JsonNode parameter : item.path(method).path("parameters")) {
            parameters.add(resolve(parameter));
        }
        return parameters;
    }

    /** The JSON pointer of the schema of a response, following a reference to components/responses. */
    private static String responseSchemaPointer(String operation, int status) {
        String response = operation + "/responses/" + status;
        JsonNode node = document.at(response);
        if (node.has("$ref")) {
            response = node.path("$ref").asText().substring(1);
        }
        return response + "/content/application~1json/schema";
    }

    private static JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? document.at(node.path("$ref").asText().substring(1)) : node;
    }

    private static String pointer(String... parts) {
        StringBuilder pointer = new StringBuilder();
        for (String part : parts) {
            pointer.append('/').append(part.replace("~", "~0").replace("/", "~1"));
        }
        return pointer.toString();
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode node) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            entries.add(fields.next());
        }
        return entries;
    }
}
