package org.kmipappliance.rest;

import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * The REST tier over real HTTPS on a fresh database and the test HSM, with one instance and a Manager's token:
 * what the client-compatibility tests start from.
 */
final class LiveRestTier implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CustodyDatabase database;
    private final KeyCustody custody;
    private final RestServer server;
    private final HttpClient http;
    private final Instance instance;
    private final String manager;

    /** A reply, its body parsed when there is one. */
    record Reply(int status, JsonNode body, String text) {
    }

    LiveRestTier(RootKeyPolicy policy) {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), policy);
        instance = custody.access().createInstance("live-rest", TESTER);
        manager = token(Role.MANAGER);
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start("127.0.0.1", 0, identity.privateKey(), List.of(identity.certificate()), custody,
                TestOnboarding.presenting(identity));
        http = HttpClient.newBuilder().sslContext(TlsContexts.create(null, TestCertificates.authority()
                .certificate())).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** https://localhost:PORT, where the tier listens. */
    String baseUri() {
        return "https://localhost:" + server.port();
    }

    KeyCustody custody() {
        return custody;
    }

    /** A new API token of the instance with {@code role}. */
    String token(Role role) {
        return custody.access().issueToken(instance.id(), role.name().toLowerCase(), EnumSet.of(role), null, TESTER)
                .secret();
    }

    /** {@code method} on {@code path} (from /api/v2/...) as the Manager. */
    Reply call(String method, String path, String body) throws IOException, InterruptedException {
        return call(method, path, body, manager, Map.of());
    }

    Reply call(String method, String path, String body, String token, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("authorization", "Bearer " + token)
                .header("bluemix-instance", instance.id().toString());
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()),
                response.body());
    }

    @Override
    public void close() {
        server.close();
        custody.close();
        database.close();
    }
}
