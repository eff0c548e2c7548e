package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.LogCapture;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.SocketFlood;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TlsProbes;

/**
 * The REST listener against clients that do not play along: paths and methods no route serves, silent and
 * stalling connections, a flood of idle sockets, weak TLS, renegotiation, credentials that should not exist. Every
 * answer is a Key Protect error with its code and a 4xx status, never a 5xx or a stack trace. Tests named "A.." are
 * entries of the attack catalogue in docs/security.md.
 */
class RestHostileClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static RestServer server;
    private static SSLContext tls;
    private static Instance instance;
    private static String token;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        instance = custody.access().createInstance("rest-hostile", TESTER);
        token = custody.access().issueToken(instance.id(), "manager", EnumSet.of(Role.MANAGER), null, TESTER)
                .secret();
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start(new RestServerConfig("127.0.0.1", 0, RestServerConfig.DEFAULT_MAX_CONNECTIONS,
                READ_TIMEOUT, RestServerConfig.MetricsAccess.TOKEN), identity.privateKey(),
                List.of(identity.certificate()), custody, HealthChecks.none(), TestOnboarding.presenting(identity));
        tls = TlsContexts.create(null, TestCertificates.authority().certificate());
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    /** One HTTP/1.1 exchange on a fresh TLS connection, written byte for byte as given. */
    private record Answer(int status, String headers, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String errorCode() throws IOException {
            return json().at("/resources/0/reasons/0/code").asText();
        }
    }

    private static Answer exchange(String method, String target, boolean authenticated, String body)
            throws IOException {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\nConnection: close\r\n");
        if (authenticated) {
            request.append("Authorization: Bearer ").append(token).append("\r\nbluemix-instance: ")
                    .append(instance.id()).append("\r\n");
        }
        if (body != null) {
            request.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        request.append("\r\n").append(body == null ? "" : body);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return readAnswer(socket.getInputStream(), !method.equals("HEAD"));
        }
    }

    /** Reads the status line and headers, then the body by its Content-Length (a HEAD answer has none). */
    private static Answer readAnswer(InputStream in, boolean withBody) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the connection ended within the headers: " + head);
            }
            head.write(next);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1).strip();
        int length = headers.lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                .mapToInt(line -> Integer.parseInt(line.substring(15).strip())).findFirst().orElse(0);
        String body = withBody ? new String(in.readNBytes(length), StandardCharsets.UTF_8) : "";
        return new Answer(Integer.parseInt(headers.substring(9, 12)), headers, body);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (SSLException e) {
            // the server closed without close_notify after its answer: what arrived is the answer
        }
        return out.toByteArray();
    }

    @Test
    @DisplayName("A24 unknown paths, encoded dot segments, NUL and overlong paths: 404 or 400 envelopes, never 5xx")
    void unknownAndTrickyPaths_getClientErrors_withoutAStackTrace() throws Exception {
        List<String> targets = List.of("/foo", "/ui/nope.js", "/ui/%2e%2e%2fmetrics", "/api/v2/keys/%2e%2e",
                "/api/v2/keys/%2e%2e/%2e%2e/metrics",
                "/api/v2/keys/..%2f..%2fetc%2fpasswd", "/api/v2/keys/%00", "/api/v2/keys/%ZZ", "/api/v2/%c0%ae%c0%ae/",
                "/api/v2/keys/" + "a".repeat(4_000), "/api/v2/kmip_adapters/x/certificates/y/z",
                "/api/v2/keys?limit=%FF%FE", "*");
        try (LogCapture log = LogCapture.install()) {
            for (String target : targets) {
                for (boolean authenticated : new boolean[] {true, false}) {
                    Answer answer = exchange("GET", target, authenticated, null);
                    assertTrue(answer.status() >= 400 && answer.status() < 500, target + " -> " + answer.status()
                            + " " + answer.body());
                    assertTrue(answer.errorCode().endsWith("_ERR"), target + " -> " + answer.body());
                }
            }
            assertEquals("NOT_FOUND_ERR", exchange("GET", "/foo", false, null).errorCode());
            assertEquals(404, exchange("GET", "/api/v2/keys/%2e%2e/x", true, null).status());
            assertNoStackTrace(log.text());
        }
    }

    private static void assertNoStackTrace(String log) {
        assertFalse(log.contains("SEVERE"), log);
        assertFalse(log.contains("\tat "), log);
        assertFalse(log.contains("Exception"), log);
    }

    @Test
    @DisplayName("A25 a method a path is not served for: 405 METHOD_NOT_ALLOWED_ERR with Allow")
    void wrongMethods_get405_withAllow() throws Exception {
        try (LogCapture log = LogCapture.install()) {
            for (String[] probe : new String[][] {{"PUT", "/api/v2/kmip_adapters", "GET, HEAD, POST"},
                    {"DELETE", "/api/v2/kmip_adapters", "GET, HEAD, POST"}, {"PATCH", "/api/v2/keys/abc",
                    "DELETE, GET, HEAD"}, {"POST", "/health", "GET, HEAD"}, {"TRACE", "/metrics", "GET, HEAD"},
                    {"OPTIONS", "/api/v2/keys", "GET, HEAD, POST"}}) {
                Answer answer = exchange(probe[0], probe[1], true, probe[0].equals("PUT") ? "{}" : null);
                assertEquals(405, answer.status(), String.join(" ", probe) + " -> " + answer.body());
                assertEquals("METHOD_NOT_ALLOWED_ERR", answer.errorCode());
                assertTrue(answer.headers().toLowerCase().contains("allow: " + probe[2].toLowerCase()),
                        probe[0] + " " + probe[1] + ": " + answer.headers());
            }
            assertNoStackTrace(log.text());
        }
    }

    @Test
    @DisplayName("A26 HEAD on a GET route answers as GET without a body")
    void head_answersLikeGet_withoutABody() throws Exception {
        Answer head = exchange("HEAD", "/api/v2/keys", true, null);
        assertEquals(200, head.status(), head.headers());
        assertEquals("", head.body());
        assertEquals(200, exchange("HEAD", "/health", false, null).status());
        assertEquals(404, exchange("HEAD", "/api/v2/keys/no-such-key", true, null).status());
    }

    @Test
    @DisplayName("A27 a connection that sends nothing, stalls mid-request or idles between requests is closed at the "
            + "read timeout")
    void silentAndStallingConnections_areClosedAtTheReadTimeout() throws Exception {
        try (Socket silent = new Socket("127.0.0.1", server.port())) {
            silent.setSoTimeout(10_000);
            long started = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read());
            long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(waited >= READ_TIMEOUT.toMillis() - 200 && waited < READ_TIMEOUT.toMillis() + 3_000,
                    "closed at the read timeout: " + waited + " ms");
        }
        try (SSLSocket stalling = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
            stalling.setSoTimeout(10_000);
            stalling.getOutputStream().write("GET /health HTTP/1.1\r\nHost: local".getBytes(StandardCharsets.UTF_8));
            stalling.getOutputStream().flush();
            long started = System.nanoTime();
            readAll(stalling.getInputStream());
            long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(waited < READ_TIMEOUT.toMillis() + 3_000, "closed at the read timeout: " + waited + " ms");
        }
        // A kept-alive connection that sends no next request: the same read timeout closes it, quietly.
        try (LogCapture log = LogCapture.install();
             SSLSocket kept = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
            kept.setSoTimeout(10_000);
            kept.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            kept.getOutputStream().flush();
            assertEquals(200, readAnswer(kept.getInputStream(), true).status());
            long started = System.nanoTime();
            assertEquals(-1, kept.getInputStream().read(), "closed by the server");
            long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(waited >= READ_TIMEOUT.toMillis() - 200 && waited < READ_TIMEOUT.toMillis() + 3_000,
                    "an idle kept-alive connection closes at the read timeout: " + waited + " ms");
            assertNoStackTrace(log.text());
        }
    }

    @Test
    @DisplayName("A28 1000 idle sockets held on the REST port: a client on fresh connections gets >= 90% through")
    void canary_keepsWorking_whileTheListenerIsFlooded() throws Exception {
        int flood = 1_000;
        int attempts = 0;
        int succeeded = 0;
        List<String> failures = new ArrayList<>();
        try (SocketFlood idle = SocketFlood.hold(server.port(), flood, i -> "127.0.0.1", i -> false)) {
            long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < end) {
                attempts++;
                try {
                    if (exchange("GET", "/api/v2/keys", true, null).status() == 200) {
                        succeeded++;
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                }
            }
        }
        System.out.printf("RestHostileClientsTest: canary %d/%d with %d idle sockets held%n", succeeded, attempts,
                flood);
        assertTrue(attempts >= 20, "the canary ran: " + attempts);
        assertTrue(succeeded >= 0.9 * attempts, succeeded + "/" + attempts + "; " + failures.stream().distinct()
                .limit(5).toList());
    }

    @Test
    @DisplayName("A29 TLS 1.2 CBC and static-RSA suites, and TLS 1.1, are refused on the REST port")
    void weakCipherSuitesAndOldProtocols_areRefused() throws Exception {
        TlsProbes.assertWeakOffersRefused(tls.getSocketFactory(), server.port());
        try (SSLSocket strong = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
            strong.setEnabledProtocols(new String[] {"TLSv1.2"});
            strong.startHandshake();
            assertTrue(strong.getSession().getCipherSuite().contains("_GCM_")
                    || strong.getSession().getCipherSuite().contains("CHACHA20"), strong.getSession().getCipherSuite());
        }
    }

    @Test
    @DisplayName("A30 a client may not renegotiate a TLS 1.2 session on the REST port")
    void clientInitiatedRenegotiation_isRefused() throws Exception {
        TlsProbes.assertRenegotiationRefused(tls.getSocketFactory(), server.port(),
                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("A31 /metrics needs an API token; /health stays open for load balancers")
    void metricsNeedAToken_healthDoesNot() throws Exception {
        Answer anonymous = exchange("GET", "/metrics", false, null);
        assertEquals(401, anonymous.status());
        assertEquals("UNAUTHORIZED_ERR", anonymous.errorCode());
        assertTrue(anonymous.headers().toLowerCase().contains("www-authenticate: bearer"), anonymous.headers());
        assertEquals(200, exchange("GET", "/metrics", true, null).status());
        assertEquals(200, exchange("GET", "/health", false, null).status());
    }

    @Test
    @DisplayName("A32 token expiries in the past or beyond year 9999 are 400 INVALID_FIELD_ERR, not 201 or 500")
    void absurdTokenExpiries_areRefused() throws Exception {
        for (String expiry : List.of("2020-01-01T00:00:00Z", "+1000000000-01-01T00:00:00Z",
                "-999999999-01-01T00:00:00Z", "10000-01-01T00:00:00Z")) {
            Answer answer = exchange("POST", "/api/v2/appliance/api_tokens", true, "{\"metadata\":{"
                    + "\"collectionType\":\"application/json\",\"collectionTotal\":1},\"resources\":[{\"roles\":"
                    + "[\"Reader\"],\"expires_at\":\"" + expiry + "\"}]}");
            assertEquals(400, answer.status(), expiry + " -> " + answer.body());
            assertEquals("INVALID_FIELD_ERR", answer.errorCode(), expiry);
        }
    }

    @Test
    @DisplayName("A33 expired and not-yet-valid client certificates are refused at registration, with why")
    void certificatesOutsideTheirValidity_areRefusedAtRegistration() throws Exception {
        String adapter = newAdapter(instance);
        Instant now = Instant.now();
        CertificateAuthority ca = TestCertificates.authority();
        for (CertificateAuthority.Issued certificate : List.of(
                ca.issueClient("expired", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))),
                ca.issueClient("not yet", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))))) {
            Answer answer = registerCertificate(adapter, PemCertificates.toPem(certificate.certificate()));
            assertEquals(400, answer.status(), answer.body());
            assertEquals("INVALID_FIELD_ERR", answer.errorCode());
            String message = answer.json().at("/resources/0/reasons/0/message").asText();
            assertTrue(message.contains("expired on") || message.contains("not valid before"), message);
        }
    }

    @Test
    @DisplayName("A34 a certificate registered in another instance is refused as one registered in this one")
    void anotherInstancesCertificate_isRefusedExactlyAsOneOfOurOwn() throws Exception {
        String ours = newAdapter(instance);
        Instance other = custody.access().createInstance("rest-hostile-other", TESTER);
        String theirs = newAdapter(other);
        String ourPem = TestCertificates.clientPem("ours");
        String theirPem = TestCertificates.clientPem("theirs");
        custody.certificates().add(instance.id(), ours, null, ourPem, TESTER);
        custody.certificates().add(other.id(), theirs, null, theirPem, TESTER);
        Answer sameInstance = registerCertificate(ours, ourPem);
        Answer otherInstance = registerCertificate(ours, theirPem);
        assertEquals(sameInstance.status(), otherInstance.status());
        assertEquals(sameInstance.errorCode(), otherInstance.errorCode());
        assertEquals(withoutFingerprint(sameInstance), withoutFingerprint(otherInstance),
                "nothing tells whose the certificate is");
    }

    /** A new adapter of {@code owner} on a root key of its own; its name. */
    private static String newAdapter(Instance owner) {
        RootKey root = custody.rootKeys().create(owner.id(), "root-" + System.nanoTime(), null, TESTER);
        return custody.adapters().create(owner.id(), null, null, KmipAdapter.NATIVE_PROFILE, root.id().toString(),
                TESTER).name();
    }

    private static String withoutFingerprint(Answer answer) throws IOException {
        return answer.json().at("/resources/0/reasons/0/message").asText().replaceAll("([0-9a-f]{2}:){31}[0-9a-f]{2}",
                "<fingerprint>");
    }

    private static Answer registerCertificate(String adapter, String pem) throws IOException {
        return exchange("POST", "/api/v2/kmip_adapters/" + adapter + "/certificates", true, "{\"metadata\":{"
                + "\"collectionType\":\"application/json\",\"collectionTotal\":1},\"resources\":[{\"certificate\":"
                + JSON.writeValueAsString(pem) + "}]}");
    }

    @Test
    @DisplayName("A35 a listener that no longer accepts is noticed (the appliance's watchdog then restarts it)")
    void aListenerThatStoppedAccepting_isNoticed() {
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        RestServer doomed = RestServer.start("127.0.0.1", 0, identity.privateKey(), List.of(identity.certificate()),
                custody, TestOnboarding.presenting(identity));
        assertTrue(doomed.isAccepting());
        doomed.close();
        assertFalse(doomed.isAccepting());
    }
}
