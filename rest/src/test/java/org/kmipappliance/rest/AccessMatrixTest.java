package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.IssuedApiToken;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * Every endpoint with every role, and with no token, a token of another instance, an expired and a revoked one.
 * Roles follow Key Protect: Manager and KmipAdapterManager hold kms.kmip-management.*; Reader, ReaderPlus and
 * Writer hold none of it; key reads need a key role, key creation Manager or Writer; API tokens are the
 * Manager's. Requests use ids that do not exist, so an allowed call answers 404 (or 400) and changes nothing.
 */
class AccessMatrixTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Role> KMIP = EnumSet.of(Role.MANAGER, Role.KMIP_ADAPTER_MANAGER);
    private static final Set<Role> KEY_READ = EnumSet.of(Role.MANAGER, Role.WRITER, Role.READER_PLUS, Role.READER);
    private static final Set<Role> KEY_WRITE = EnumSet.of(Role.MANAGER, Role.WRITER);
    private static final Set<Role> MANAGER = EnumSet.of(Role.MANAGER);

    private record Endpoint(String method, String path, String body, Set<Role> allowed) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final String NO_ADAPTER = "no-such-adapter";
    private static final String ENVELOPE = "{\"metadata\":{\"collectionType\":\"application/json\",\"collectionTotal\":1},"
            + "\"resources\":[{}]}";
    private static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/api/v2/keys", null, KEY_READ),
            new Endpoint("POST", "/api/v2/keys", ENVELOPE, KEY_WRITE),
            new Endpoint("GET", "/api/v2/keys/" + UUID.randomUUID(), null, KEY_READ),
            new Endpoint("GET", "/api/v2/keys/" + UUID.randomUUID() + "/metadata", null, KEY_READ),
            new Endpoint("GET", "/api/v2/keys/" + UUID.randomUUID() + "/versions", null, KEY_READ),
            new Endpoint("GET", "/api/v2/keys/" + UUID.randomUUID() + "/rewrap", null, KEY_READ),
            new Endpoint("POST", "/api/v2/keys/" + UUID.randomUUID() + "/actions/rotate", null, KEY_WRITE),
            new Endpoint("POST", "/api/v2/keys/" + UUID.randomUUID() + "/actions/disable", null, MANAGER),
            new Endpoint("POST", "/api/v2/keys/" + UUID.randomUUID() + "/actions/enable", null, MANAGER),
            new Endpoint("POST", "/api/v2/keys/" + UUID.randomUUID() + "?action=rotate", null, KEY_WRITE),
            new Endpoint("DELETE", "/api/v2/keys/" + UUID.randomUUID(), null, MANAGER),
            new Endpoint("POST", "/api/v2/keys/" + UUID.randomUUID() + "/aliases/an-alias", null, KEY_WRITE),
            new Endpoint("DELETE", "/api/v2/keys/" + UUID.randomUUID() + "/aliases/an-alias", null, KEY_WRITE),
            // An expiration out of bounds (400) and no token to retrieve (404): nothing is made or counted.
            new Endpoint("POST", "/api/v2/import_token", "{\"expiration\":1}", MANAGER),
            new Endpoint("GET", "/api/v2/import_token", null, KEY_WRITE),
            new Endpoint("POST", "/api/v2/kmip_adapters", ENVELOPE, KMIP),
            new Endpoint("GET", "/api/v2/kmip_adapters", null, KMIP),
            new Endpoint("GET", "/api/v2/kmip_adapters/" + NO_ADAPTER, null, KMIP),
            new Endpoint("DELETE", "/api/v2/kmip_adapters/" + NO_ADAPTER, null, KMIP),
            new Endpoint("POST", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/certificates", ENVELOPE, KMIP),
            new Endpoint("POST", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/certificates/issue", ENVELOPE, KMIP),
            new Endpoint("POST", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/certificates/sign", ENVELOPE, KMIP),
            new Endpoint("GET", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/certificates", null, KMIP),
            new Endpoint("GET", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/certificates/c", null, KMIP),
            new Endpoint("DELETE", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/certificates/c", null, KMIP),
            new Endpoint("GET", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/kmip_objects", null, KMIP),
            new Endpoint("GET", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/kmip_objects/" + UUID.randomUUID(), null,
                    KMIP),
            new Endpoint("DELETE", "/api/v2/kmip_adapters/" + NO_ADAPTER + "/kmip_objects/" + UUID.randomUUID(), null,
                    KMIP),
            new Endpoint("GET", "/api/v2/appliance/kmip_server_chain", null, KMIP),
            new Endpoint("POST", "/api/v2/appliance/api_tokens", ENVELOPE, MANAGER),
            new Endpoint("GET", "/api/v2/appliance/api_tokens", null, MANAGER),
            new Endpoint("DELETE", "/api/v2/appliance/api_tokens/" + UUID.randomUUID(), null, MANAGER));

    private static CustodyDatabase database;
    private static RestServer server;
    private static HttpClient http;
    private static Instance instance;
    private static final Map<Role, String> TOKENS = new EnumMap<>(Role.class);
    private static String otherInstanceManager;
    private static String expired;
    private static String revoked;

    @BeforeAll
    static void start() throws InterruptedException {
        database = TestDatabase.fresh();
        KeyCustody custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        instance = custody.access().createInstance("matrix", TESTER);
        for (Role role : Role.values()) {
            TOKENS.put(role, custody.access().issueToken(instance.id(), role.displayName(), EnumSet.of(role), null, TESTER)
                    .secret());
        }
        Instance other = custody.access().createInstance("matrix-other", TESTER);
        otherInstanceManager = custody.access().issueToken(other.id(), "other", EnumSet.of(Role.MANAGER), null, TESTER)
                .secret();
        // Tokens cannot be issued already expired: this one lives half a second.
        expired = custody.access().issueToken(instance.id(), "expired", EnumSet.of(Role.MANAGER),
                Instant.now().plusMillis(500), TESTER).secret();
        Thread.sleep(600);
        IssuedApiToken toRevoke = custody.access().issueToken(instance.id(), "revoked", EnumSet.of(Role.MANAGER),
                null, TESTER);
        custody.access().revokeToken(instance.id(), toRevoke.id(), TESTER);
        revoked = toRevoke.secret();
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start("127.0.0.1", 0, identity.privateKey(), List.of(identity.certificate()), custody,
                TestOnboarding.presenting(identity));
        http = HttpClient.newBuilder().sslContext(TlsContexts.create(null, TestCertificates.authority().certificate()))
                .build();
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    private static HttpResponse<String> call(Endpoint endpoint, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + server.port()
                        + endpoint.path())).timeout(Duration.ofSeconds(10))
                .method(endpoint.method(), endpoint.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(endpoint.body()))
                .header("bluemix-instance", instance.id().toString());
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, String what) throws Exception {
        assertEquals(401, response.statusCode(), what);
        assertEquals("UNAUTHORIZED_ERR", JSON.readTree(response.body()).at("/resources/0/reasons/0/code").asText(),
                what);
    }

    @TestFactory
    Stream<DynamicTest> everyEndpoint_everyRole() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint endpoint : ENDPOINTS) {
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(endpoint + " as " + role.displayName(), () -> {
                    HttpResponse<String> response = call(endpoint, TOKENS.get(role));
                    if (endpoint.allowed().contains(role)) {
                        assertNotEquals(401, response.statusCode(), response.body());
                        assertNotEquals(500, response.statusCode(), response.body());
                    } else {
                        assertRefused(response, endpoint + " as " + role.displayName());
                    }
                }));
            }
            Map<String, String> refusedTokens = new LinkedHashMap<>();
            refusedTokens.put("no token", null);
            refusedTokens.put("another instance's Manager token", otherInstanceManager);
            refusedTokens.put("an expired token", expired);
            refusedTokens.put("a revoked token", revoked);
            refusedTokens.forEach((what, token) -> tests.add(DynamicTest.dynamicTest(endpoint + " with " + what,
                    () -> assertRefused(call(endpoint, token), endpoint + " with " + what))));
        }
        return tests.stream();
    }
}
