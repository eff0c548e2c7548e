package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.EmbeddedPostgresServer;
import org.kmipappliance.hsm.testing.LogCapture;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.client.PyKmipConfig;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.testing.PyKmip;

/**
 * The walking skeleton end to end, on real parts: the whole appliance on its embedded defaults (SoftHSM2 token,
 * PostgreSQL), a certificate registered over HTTPS, and Debian's PyKMIP as a separate process creating and
 * fetching keys over mutual TLS, across a restart. Then the database dump and the log are searched for the keys.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkingSkeletonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path STATE = Path.of(System.getProperty("java.io.tmpdir"), "appliance-state");
    private static final Path CLIENT = Path.of(System.getProperty("java.io.tmpdir"), "pykmip-client");
    private static final CertificateAuthority CLIENT_CA = CertificateAuthority.create("vCenter test CA",
            Duration.ofDays(1));

    private static LogCapture logs;
    private static Appliance appliance;
    private static Instance instance;
    private static String token;
    private static final List<String> createdIds = new ArrayList<>();
    private static final List<String> createdMaterials = new ArrayList<>();

    @BeforeAll
    static void startAppliance() throws IOException {
        deleteRecursively(STATE);
        deleteRecursively(CLIENT);
        Files.createDirectories(CLIENT);
        logs = LogCapture.install();
        appliance = start();
        instance = appliance.custody().access().createInstance("e2e", TESTER);
        token = appliance.custody().access().issueToken(instance.id(), "e2e admin", EnumSet.of(Role.MANAGER), null, TESTER)
                .secret();
    }

    @AfterAll
    static void stopAppliance() {
        if (appliance != null) {
            appliance.close();
        }
        logs.close();
    }

    private static Appliance start() {
        return Appliance.start(ApplianceConfig.defaults().withListeners("127.0.0.1", 0, 0), STATE);
    }

    @Test
    @Order(1)
    void certificateRegisteredOverRest_letsPyKmipCreateAndGetAes256Keys() throws Exception {
        String rootKey = post("/api/v2/keys", "application/vnd.ibm.kms.key+json",
                "{\"name\":\"e2e-root\",\"extractable\":false}").at("/resources/0/id").asText();
        post("/api/v2/kmip_adapters", "application/vnd.ibm.kms.kmip_adapter+json",
                "{\"name\":\"e2e-adapter\",\"profile\":\"native_1.0\",\"profile_data\":{\"crk_id\":\"" + rootKey
                        + "\"}}");
        CertificateAuthority.Issued vcenter = CLIENT_CA.issueClient("vcenter.example", Duration.ofDays(1));
        post("/api/v2/kmip_adapters/e2e-adapter/certificates", "application/vnd.ibm.kms.kmip_client_certificate+json",
                "{\"name\":\"vcenter\",\"certificate\":" + JSON.writeValueAsString(
                        PemCertificates.toPem(vcenter.certificate())) + "}");
        Path config = pykmipConfig("registered", vcenter);

        for (String version : List.of("1.4", "1.2", "1.1")) {
            JsonNode created = pykmip(config, version, "create-get");
            String material = created.get("material").asText();
            assertEquals(64, material.length(), "an AES-256 key is 32 bytes (protocol " + version + ")");
            assertEquals(material, created.get("again").asText(), "two Gets return the same material");
            createdIds.add(created.get("uid").asText());
            createdMaterials.add(material);
        }
        assertEquals(createdMaterials.size(), createdMaterials.stream().distinct().count(), "every key is new");

        JsonNode objects = get("/api/v2/kmip_adapters/e2e-adapter/kmip_objects?totalCount=true");
        assertEquals(createdIds.size(), objects.at("/metadata/totalCount").asInt());
    }

    @Test
    @Order(2)
    void unregisteredCertificate_cannotCompleteAKmipExchange() throws Exception {
        CertificateAuthority.Issued stranger = CLIENT_CA.issueClient("stranger", Duration.ofDays(1));
        PyKmip.Run run = PyKmip.run(pykmipConfig("stranger", stranger), "1.4", "create-get");
        assertNotEquals(0, run.exitCode(), "PyKMIP with an unregistered certificate must fail: " + run.stdout());
        assertTrue(run.stdout().isBlank(), "no KMIP answer reached the stranger: " + run.stdout());
        assertTrue(logs.text().contains("is not registered to any adapter"),
                "the refusal is logged for the operator");
    }

    @Test
    @Order(3)
    void databaseDump_holdsNoPlaintextKeyMaterial() throws Exception {
        String dump = pgDump();
        assertTrue(dump.contains(createdIds.getFirst()), "the dump holds the KMIP objects");
        assertTrue(dump.contains("sealed_material"), "the dump holds the sealed blobs");
        assertNoKeyMaterialIn(dump, "the database dump");
    }

    @Test
    @Order(4)
    void afterARestart_getReturnsTheSameBytes() throws Exception {
        appliance.close();
        appliance = start();
        Path config = CLIENT.resolve("registered.conf");
        rewritePort(config);
        for (int i = 0; i < createdIds.size(); i++) {
            JsonNode fetched = pykmip(config, "1.4", "get", createdIds.get(i));
            assertEquals(createdMaterials.get(i), fetched.get("material").asText());
        }
    }

    @Test
    @Order(5)
    void theLog_holdsNoPlaintextKeyMaterial() {
        String log = logs.text();
        assertTrue(log.contains("kmip.create"), "the capture saw the KMIP operations");
        assertTrue(log.contains("kmip.get"), "the capture saw the KMIP operations");
        assertNoKeyMaterialIn(log, "the log");
    }

    @Test
    @Order(6)
    void demoData_isFoundAgainOnASecondRun_andItsScriptCreatesAndGetsAKey() throws Exception {
        Demo.Setup first = Demo.prepare(appliance, "127.0.0.1");
        Demo.Setup second = Demo.prepare(appliance, "127.0.0.1");
        assertEquals(first.instance(), second.instance());
        assertEquals(first.adapter(), second.adapter());
        assertEquals(first.apiToken(), second.apiToken(), "the saved demo token is reused while it is valid");
        assertEquals(1, appliance.custody().certificates().list(first.instance().id(), first.adapter().name(), 10, 0)
                .total());
        assertFalse(first.toString().contains(first.apiToken()));

        Process script = new ProcessBuilder("/usr/bin/python3", first.script().toString())
                .redirectErrorStream(true).start();
        String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(script.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, script.exitValue(), output);
        assertTrue(output.contains("32 bytes of key material, identical"), output);
    }

    @Test
    @Order(8)
    void healthAndMetrics_coverEveryTier() throws Exception {
        HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")).GET());
        assertEquals(200, health.statusCode(), health.body());
        JsonNode checks = JSON.readTree(health.body()).get("checks");
        for (String check : List.of("database", "hsm", "kmip")) {
            assertEquals("UP", checks.get(check).asText(), check);
        }
        String metrics = send(HttpRequest.newBuilder(uri("/metrics")).GET()).body();
        for (String series : List.of("kmip_appliance_kmip_operations_total{operation=\"create\",result=\"success\"}",
                "kmip_appliance_hsm_operation_seconds_count{operation=\"seal\"}",
                "kmip_appliance_database_statement_seconds_count", "kmip_appliance_rest_requests_total")) {
            assertTrue(metrics.contains(series), series + " in\n" + metrics);
        }
    }

    @Test
    @Order(9)
    void removingACertificate_endsItsOpenKmipConnectionAtOnce() throws Exception {
        CertificateAuthority.Issued client = CLIENT_CA.issueClient("short-lived", Duration.ofDays(1));
        post("/api/v2/kmip_adapters/e2e-adapter/certificates", "application/vnd.ibm.kms.kmip_client_certificate+json",
                "{\"name\":\"short-lived\",\"certificate\":" + JSON.writeValueAsString(
                        PemCertificates.toPem(client.certificate())) + "}");
        try (KmipClient kmip = KmipClient.connect(TlsContexts.create(client,
                PemFiles.readCertificate(appliance.caCertificateFile())), "localhost", appliance.kmipPort(),
                ProtocolVersion.V1_4, Duration.ofSeconds(10))) {
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the certificate works");
            HttpResponse<String> removed = send(HttpRequest.newBuilder(
                    uri("/api/v2/kmip_adapters/e2e-adapter/certificates/short-lived")).DELETE());
            assertEquals(204, removed.statusCode());
            assertThrows(IOException.class, () -> kmip.discoverVersions(List.of()),
                    "the open connection was closed when the certificate was removed");
        }
    }

    @Test
    @Order(7)
    void initialAdmin_isCreatedOnlyOnAnEmptyAppliance() throws Exception {
        InitialAdmin.ensure(appliance.custody(), STATE);
        assertFalse(Files.exists(STATE.resolve(InitialAdmin.TOKEN_FILE)), "instances exist: nothing to bootstrap");

        Path bootstrap = Files.createDirectories(CLIENT.resolve("bootstrap"));
        try (CustodyDatabase empty = TestDatabase.fresh()) {
            KeyCustody custody = new KeyCustody(TestHsm.hsm(), empty, Clock.systemUTC());
            InitialAdmin.ensure(custody, bootstrap);
            Path file = bootstrap.resolve(InitialAdmin.TOKEN_FILE);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            String written = Files.readString(file);
            String secret = written.lines().filter(line -> line.startsWith("token ")).findFirst().orElseThrow()
                    .substring("token ".length());
            ApiPrincipal admin = custody.access().authenticate(secret).orElseThrow();
            assertTrue(admin.roles().contains(Role.MANAGER));
            assertTrue(written.contains(admin.instanceId().toString()));

            InitialAdmin.ensure(custody, bootstrap);
            assertEquals(written, Files.readString(file), "a second start changes nothing");
        }
    }

    private static void assertNoKeyMaterialIn(String text, String where) {
        assertFalse(createdMaterials.isEmpty());
        for (String hex : createdMaterials) {
            byte[] bytes = HexFormat.of().parseHex(hex);
            for (String encoding : List.of(hex, hex.toUpperCase(), Base64.getEncoder().encodeToString(bytes),
                    Base64.getUrlEncoder().withoutPadding().encodeToString(bytes),
                    new String(bytes, StandardCharsets.ISO_8859_1))) {
                assertFalse(text.contains(encoding), where + " contains a key's material");
            }
            // Any 8-byte window of the key, in hex: catches partial dumps too.
            for (int offset = 0; offset + 16 <= hex.length(); offset += 2) {
                assertFalse(text.toLowerCase().contains(hex.substring(offset, offset + 16)),
                        where + " contains part of a key's material");
            }
        }
    }

    private static Path pykmipConfig(String name, CertificateAuthority.Issued client) throws IOException {
        Path certificate = CLIENT.resolve(name + ".pem");
        Path key = CLIENT.resolve(name + "-key.pem");
        PemFiles.writeCertificate(certificate, client.certificate());
        PemFiles.writePrivateKey(key, client.privateKey());
        Path config = CLIENT.resolve(name + ".conf");
        PyKmipConfig.write(config, "127.0.0.1", appliance.kmipPort(), certificate, key,
                appliance.caCertificateFile(), false);
        return config;
    }

    private static void rewritePort(Path config) throws IOException {
        Files.writeString(config, Files.readString(config).replaceAll("(?m)^port=\\d+$",
                "port=" + appliance.kmipPort()));
    }

    private static JsonNode pykmip(Path config, String version, String... command) throws Exception {
        PyKmip.Run run = PyKmip.run(config, version, command);
        assertEquals(0, run.exitCode(), "PyKMIP failed: " + run.stderr());
        return JSON.readTree(run.stdout());
    }

    private static String pgDump() throws Exception {
        EmbeddedPostgresServer database = appliance.embeddedDatabase().orElseThrow();
        Path output = Files.createTempFile(CLIENT, "dump", ".sql");
        ProcessBuilder dump = new ProcessBuilder("pg_dump", "-w", "-h", "127.0.0.1", "-p",
                Integer.toString(database.port()), "-U", EmbeddedPostgresServer.ROLE, EmbeddedPostgresServer.DATABASE)
                .redirectOutput(output.toFile()).redirectErrorStream(false);
        dump.environment().put("PGPASSWORD", database.password());
        Process process = dump.start();
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "pg_dump finished");
        assertEquals(0, process.exitValue(), "pg_dump failed: " + errors);
        return Files.readString(output);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .sslContext(TlsContexts.create(null, PemFiles.readCertificate(appliance.caCertificateFile())))
                .build();
        return http.send(request.header("authorization", "Bearer " + token)
                .header("bluemix-instance", instance.id().toString()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode post(String path, String type, String resource) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path))
                .header("content-type", type)
                .POST(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"collectionType\":\"" + type
                        + "\",\"collectionTotal\":1},\"resources\":[" + resource + "]}")));
        assertEquals(201, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static URI uri(String path) {
        return URI.create("https://localhost:" + appliance.restPort() + path);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
