package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.PrometheusText;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * The REST tier's metrics over real HTTPS: every served route is labelled with its own template, taken from the
 * routes as registered, whatever the answer; only a path no route serves is "unmatched"; latencies have buckets.
 */
class RestMetricsTest {
    private static final Pattern REQUESTS = Pattern.compile(
            "kmip_appliance_rest_requests_total\\{route=\"([^\"]*)\",method=\"([A-Z]+)\",status=\"(\\d+)\"}");
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static RestServer server;
    private static HttpClient http;
    private static Instance instance;
    private static String token;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        instance = custody.access().createInstance("metrics", TESTER);
        token = custody.access().issueToken(instance.id(), "manager", EnumSet.of(Role.MANAGER), null, TESTER)
                .secret();
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start("127.0.0.1", 0, identity.privateKey(), List.of(identity.certificate()), custody,
                TestOnboarding.presenting(identity));
        http = HttpClient.newBuilder()
                .sslContext(TlsContexts.create(null, TestCertificates.authority().certificate()))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    private static int send(String method, String path, boolean authenticated) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody());
        if (authenticated) {
            request.header("authorization", "Bearer " + token).header("bluemix-instance", instance.id().toString());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String scrapeText() throws Exception {
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + server.port() + "/metrics")).header("authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        return metrics.body();
    }

    @Test
    void everyRoute_isLabelledWithItsOwnTemplate_authenticatedOrNot() throws Exception {
        List<Routes.Route> routes = server.routes().all();
        assertTrue(routes.size() >= 28, "the table holds every route: " + routes);
        Set<String> expected = new TreeSet<>();
        for (Routes.Route route : routes) {
            String path = route.template().replaceAll("\\{[a-z]+}", "no-such-thing");
            send(route.method(), path, true);
            send(route.method(), path, false);
            expected.add(route.method() + " " + route.template());
        }
        String text = scrapeText();
        PrometheusText.parse(text);
        Set<String> labelled = new TreeSet<>();
        Matcher series = REQUESTS.matcher(text);
        while (series.find()) {
            labelled.add(series.group(2) + " " + series.group(1));
        }
        assertEquals(expected, labelled, "each route under its own template, nothing 'unmatched'");

        assertEquals(404, send("GET", "/api/v2/no_such_collection/7", true));
        assertTrue(scrapeText().contains("route=\"" + Routes.UNMATCHED + "\",method=\"GET\",status=\"404\""));
        assertFalse(scrapeText().contains("no_such_collection"), "a client's path never becomes a label");
    }

    @Test
    void requestLatency_hasBuckets_andTheScrapeIsValidPrometheusText() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, send("GET", "/api/v2/keys", true));
        }
        PrometheusText scrape = PrometheusText.parse(scrapeText());
        String series = "kmip_appliance_rest_request_seconds_bucket{route=\"/api/v2/keys\",method=\"GET\",le=\"";
        assertTrue(scrape.value(series + "+Inf\"}") >= 3);
        assertTrue(scrape.value(series + "10\"}") >= 3);
        assertTrue(scrape.value("kmip_appliance_database_connections_max") >= 2);
        assertTrue(scrape.value("kmip_appliance_hsm_sessions_max") >= 1);
        assertTrue(scrape.value("jvm_memory_used_bytes{area=\"heap\"}") > 0);
    }
}
