package org.kmipappliance.kmipctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.LifecycleEvent;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.rest.KmipOnboarding;
import org.kmipappliance.rest.RestServer;

/**
 * kmipctl as an operator uses it, against a real REST tier over HTTPS and a real custody module: every command,
 * its table and JSON output, its exit status, the settings from flags, environment and profile, and refusals that
 * print the appliance's code and message and never a stack trace.
 */
class KmipctlTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static RestServer server;
    private static Instance instance;
    private static String managerToken;
    private static CertificateAuthority.Issued serverIdentity;

    @TempDir
    static Path shared;

    @TempDir
    Path directory;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), new RootKeyPolicy(Duration.ZERO,
                Duration.ofHours(1), RootKeyPolicy.DEFAULT_MAX_PER_INSTANCE, RootKeyPolicy.KEY_PROTECT_RESTORE_WINDOW,
                RootKeyPolicy.KEY_PROTECT_PURGE_DELAY, RootKeyPolicy.KEY_PROTECT_AUTOMATIC_PURGE, false));
        instance = custody.access().createInstance("kmipctl", TESTER);
        managerToken = custody.access().issueToken(instance.id(), "manager", EnumSet.of(Role.MANAGER), null,
                TESTER).secret();
        serverIdentity = TestCertificates.localhostServer();
        server = RestServer.start("127.0.0.1", 0, serverIdentity.privateKey(), List.of(serverIdentity.certificate()),
                custody, new KmipOnboarding(TestCertificates.authority(), () -> List.of(
                        serverIdentity.certificate(), TestCertificates.authority().certificate())));
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    private record Run(int status, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + status + "\nout: " + out + "\nerr: " + err;
        }
    }

    private static Path caFile() throws Exception {
        Path file = shared.resolve("ca.pem");
        if (!Files.exists(file)) {
            Files.writeString(file, PemCertificates.toPem(TestCertificates.authority().certificate()));
        }
        return file;
    }

    /** The settings in the environment, as a script would give them; the profile in a directory of the test's. */
    private Map<String, String> environment() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("KMIPCTL_URL", "https://localhost:" + server.port());
        environment.put("KMIPCTL_INSTANCE", instance.id().toString());
        environment.put("KMIPCTL_TOKEN", managerToken);
        environment.put("KMIPCTL_CACERT", caFile().toString());
        environment.put("XDG_CONFIG_HOME", directory.resolve("config").toString());
        return environment;
    }

    @Test
    void bench_withoutTheAppliancesHarnessBeside_saysWhereToRunIt() throws Exception {
        Run run = assertExit(Kmipctl.EXIT_USAGE, kmipctl("bench", "--op", "get"));
        assertTrue(run.err().contains("/usr/bin/kmipctl") && run.err().contains("appliance/bin/kmipctl"), run.err());
        assertTrue(kmipctl("--help").out().contains("bench"), "listed among the commands");
    }

    private Run kmipctl(String... args) throws Exception {
        return kmipctl(environment(), "", args);
    }

    private static Run kmipctl(Map<String, String> environment, String input, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream in = new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
        int status = Kmipctl.run(args, environment, in, new PrintWriter(out, true), new PrintWriter(err, true));
        Run run = new Run(status, out.toString(), err.toString());
        assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), "never a stack trace: " + run);
        return run;
    }

    private static Run assertExit(int expected, Run run) {
        assertEquals(expected, run.status(), run.toString());
        return run;
    }

    @Test
    void anOperatorsDay_rootKey_adapter_certificate_keys_andDeletes() throws Exception {
        Run created = assertExit(0, kmipctl("keys", "create", "day-root", "--alias", "day-alias", "--expires",
                "2099-01-01T00:00:00Z"));
        assertTrue(created.out().contains("Name:") && created.out().contains("day-root"), created.out());
        assertTrue(created.out().contains("Expires:      2099-01-01T00:00:00Z"), created.out());
        Run keys = assertExit(0, kmipctl("keys", "list"));
        assertTrue(keys.out().startsWith("ID"), keys.out());
        assertTrue(keys.out().lines().anyMatch(line -> line.contains("day-root") && line.contains("Active")
                && line.contains("day-alias")), keys.out());
        String keyId = assertExit(0, kmipctl("keys", "get", "day-alias", "-o", "json")).json().get("id").asText();

        assertExit(0, kmipctl("adapter-create", "day-adapter", "--crk", "day-alias", "--description", "the day's"));
        JsonNode adapters = assertExit(0, kmipctl("adapters", "--output", "json")).json();
        assertTrue(adapters.isArray());
        JsonNode adapter = null;
        for (JsonNode listed : adapters) {
            adapter = listed.get("name").asText().equals("day-adapter") ? listed : adapter;
        }
        assertTrue(adapter != null, adapters.toString());
        assertEquals(keyId, adapter.at("/profile_data/crk_id").asText(), "the alias named the key");
        assertTrue(kmipctl("adapter", "day-adapter").out().contains("Root key:    " + keyId));

        CertificateAuthority.Issued vcenter = TestCertificates.client("vcenter-day");
        Path pem = Files.writeString(directory.resolve("vcenter.pem"), PemCertificates.toPem(vcenter.certificate()));
        assertExit(0, kmipctl("cert-create", "day-adapter", "-c", "@" + pem, "--name", "vcenter-cert"));
        assertTrue(kmipctl("certs", "day-adapter").out().contains("vcenter-cert"));
        Run cert = assertExit(0, kmipctl("cert", "day-adapter", "vcenter-cert"));
        String fingerprint = PemCertificates.colonSeparated(PemCertificates.sha256Fingerprint(vcenter.certificate()));
        assertTrue(cert.out().contains("SHA-256:") && cert.out().contains(fingerprint), cert.out());
        assertTrue(cert.out().contains("-----BEGIN CERTIFICATE-----"), "the PEM, to copy");

        KmipCaller caller = custody.certificates().identify(PemCertificates.sha256Fingerprint(vcenter.certificate()))
                .orElseThrow();
        UUID active = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        custody.objects().transition(caller, active, LifecycleEvent.ACTIVATE, null, null, null);
        UUID preActive = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        Run objects = assertExit(0, kmipctl("objects", "day-adapter"));
        assertTrue(objects.out().lines().anyMatch(line -> line.startsWith(active.toString())
                && line.contains("Active")), objects.out());
        assertTrue(objects.out().lines().anyMatch(line -> line.startsWith(preActive.toString())
                && line.contains("Pre-Active")), objects.out());
        assertTrue(kmipctl("object", "day-adapter", active.toString()).out().contains("Symmetric Key"));

        Run refused = assertExit(1, kmipctl("adapter-delete", "day-adapter"));
        assertTrue(refused.err().contains("KMIP_ADAPTER_HAS_OBJECTS_ERR"), refused.err());
        Run declined = assertExit(1, kmipctl(environment(), "no\n", "adapter-delete", "day-adapter", "-f"));
        assertTrue(declined.err().contains(preActive.toString()), "the confirmation names what it destroys");
        assertTrue(declined.err().contains("nothing deleted"), declined.err());
        assertEquals(2, kmipctl("objects", "day-adapter", "-o", "json").json().size(), "nothing was destroyed");
        Run activeRefused = assertExit(1, kmipctl("object-delete", "day-adapter", active.toString()));
        assertTrue(activeRefused.err().contains("KMIP_OBJECT_INVALID_STATE_ERR"), activeRefused.err());
        assertExit(0, kmipctl("object-delete", "day-adapter", active.toString(), "-f"));
        Run deleted = assertExit(0, kmipctl(environment(), "yes\n", "adapter-delete", "day-adapter", "-f"));
        assertTrue(deleted.out().contains("destroyed KMIP key " + preActive), deleted.out());
        assertFalse(kmipctl("adapters").out().contains("day-adapter"), "the adapter is gone");

        Run gone = assertExit(3, kmipctl("adapter", "day-adapter"));
        assertTrue(gone.err().startsWith("kmipctl: ") && gone.err().contains("KMIP_ADAPTER_NOT_FOUND_ERR")
                && gone.err().contains("HTTP 404"), gone.err());
        assertTrue(assertExit(0, kmipctl("keys", "delete", "day-alias")).out().contains("keys restore day-alias"));
        assertExit(0, kmipctl("keys", "restore", "day-alias"));
        assertEquals("1", assertExit(0, kmipctl("keys", "get", "day-alias", "-o", "json")).json()
                .path("state").asText(), "Active again");
        assertExit(0, kmipctl("keys", "delete", "day-alias"));
        Run early = assertExit(1, kmipctl("keys", "purge", "day-alias"));
        assertTrue(early.err().contains("REQ_TOO_EARLY_ERR"), "Key Protect's 4 hours: " + early.err());
    }

    @Test
    void vcenterOnboarding_issue_sign_andTheServerChain() throws Exception {
        assertExit(0, kmipctl("keys", "create", "onboard-root", "--alias", "onboard-root"));
        assertExit(0, kmipctl("adapter-create", "onboard", "--crk", "onboard-root"));

        Path out = directory.resolve("vcenter");
        Run issued = assertExit(0, kmipctl("cert-issue", "onboard", "--out", out.toString(), "--name", "vc"));
        assertFalse(issued.out().contains("PRIVATE KEY"), "the key goes to its file only");
        X509Certificate certificate = PemCertificates.parse(Files.readString(out.resolve("client.pem")));
        PrivateKey key = PemFiles.readPrivateKey(out.resolve("client-key.pem"));
        assertTrue(TestCertificates.isKeyOf(certificate, key), "the key is the certificate's");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                out.resolve("client-key.pem"))));
        assertEquals(TestCertificates.authority().certificate(),
                PemCertificates.parse(Files.readString(out.resolve("ca.pem"))), "what vCenter must trust");
        assertTrue(custody.certificates().identify(PemCertificates.sha256Fingerprint(certificate)).isPresent());
        Run again = assertExit(1, kmipctl("cert-issue", "onboard", "--out", out.toString()));
        assertTrue(again.err().contains("exists"), again.err());
        assertEquals(1, kmipctl("certs", "onboard", "-o", "json").json().size(), "a refused run registers nothing");

        Path p12Directory = directory.resolve("p12");
        Path password = Files.writeString(directory.resolve("password"), "s3cret\n");
        assertExit(0, kmipctl("cert-issue", "onboard", "--out", p12Directory.toString(), "--p12", "--password-file",
                password.toString(), "--key-type", "EC-P256"));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12Directory.resolve("client.p12"))) {
            store.load(in, "s3cret".toCharArray());
        }
        assertTrue(TestCertificates.isKeyOf((X509Certificate) store.getCertificate("client"),
                (PrivateKey) store.getKey("client", "s3cret".toCharArray())), "the key is the certificate's");
        assertFalse(Files.exists(p12Directory.resolve("client-key.pem")), "the key only in the protected file");
        assertEquals(2, store.getCertificateChain("client").length, "the client's certificate and its CA");
        assertExit(2, kmipctl("cert-issue", "onboard", "--out", directory.resolve("p12-bad").toString(), "--p12"));

        KeyPair vcenterKey = TestCertificates.keyPair("RSA", 2048);
        Path csr = Files.writeString(directory.resolve("vcenter.csr"), TestCertificates.csr("CN=vc.example.com",
                vcenterKey));
        Path signedFile = directory.resolve("signed.pem");
        assertExit(0, kmipctl("cert-sign", "onboard", "--csr", csr.toString(), "--out", signedFile.toString()));
        assertEquals(vcenterKey.getPublic(), PemCertificates.parse(Files.readString(signedFile)).getPublicKey());
        Path weakCsr = Files.writeString(directory.resolve("weak.csr"), TestCertificates.csr("CN=weak",
                TestCertificates.keyPair("RSA", 1024)));
        Run weak = assertExit(1, kmipctl("cert-sign", "onboard", "--csr", weakCsr.toString(), "--out",
                directory.resolve("weak.pem").toString()));
        assertTrue(weak.err().contains("2048 or more") && weak.err().contains("INVALID_FIELD_ERR"), weak.err());

        Path chainFile = directory.resolve("chain.pem");
        Run chain = assertExit(0, kmipctl("server-chain", "--out", chainFile.toString()));
        assertEquals(List.of(serverIdentity.certificate(), TestCertificates.authority().certificate()),
                PemCertificates.parseChain(Files.readString(chainFile)));
        assertTrue(chain.out().contains(PemCertificates.colonSeparated(PemCertificates.sha256Fingerprint(
                serverIdentity.certificate()))), chain.out());
    }

    @Test
    void rotateWait_followsTheReseal_toItsSummary() throws Exception {
        assertExit(0, kmipctl("keys", "create", "rotating", "--alias", "rotating"));
        assertExit(0, kmipctl("adapter-create", "rotating-adapter", "--crk", "rotating"));
        CertificateAuthority.Issued client = TestCertificates.client("rotating-client");
        assertExit(0, kmipctl("cert-create", "rotating-adapter", "-c", PemCertificates.toPem(client.certificate())));
        KmipCaller caller = custody.certificates().identify(PemCertificates.sha256Fingerprint(client.certificate()))
                .orElseThrow();
        for (int i = 0; i < 25; i++) {
            custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12);
        }
        Run rotated = assertExit(0, kmipctl("keys", "rotate", "rotating", "--wait"));
        assertTrue(rotated.err().contains("re-sealing KMIP keys [##############################] 25/25"),
                rotated.err());
        assertTrue(rotated.out().contains("to version 2: 25 of 25 KMIP keys re-sealed, 0 failed (finished)"),
                rotated.out());
        JsonNode json = assertExit(0, kmipctl("keys", "rotate", "rotating", "--wait", "-o", "json")).json();
        assertEquals(3, json.get("toVersion").asInt());
        assertEquals(25, json.get("done").asInt());
    }

    @Test
    void settings_comeFromFlags_thenEnvironment_thenTheProfileLoginWrites() throws Exception {
        Map<String, String> nothing = Map.of("XDG_CONFIG_HOME", directory.resolve("empty").toString());
        Run noUrl = assertExit(2, kmipctl(nothing, "", "adapters"));
        assertTrue(noUrl.err().contains("no appliance URL: give --url"), noUrl.err());

        Map<String, String> wrongUrl = new HashMap<>(environment());
        wrongUrl.put("KMIPCTL_URL", "https://localhost:1");
        Run unreachable = assertExit(1, kmipctl(wrongUrl, "", "adapters"));
        assertTrue(unreachable.err().contains("cannot connect to https://localhost:1"), unreachable.err());
        assertExit(0, kmipctl(wrongUrl, "", "adapters", "--url", "https://localhost:" + server.port()));

        Map<String, String> untrusting = new HashMap<>(environment());
        untrusting.remove("KMIPCTL_CACERT");
        Run tls = assertExit(1, kmipctl(untrusting, "", "adapters"));
        assertTrue(tls.err().contains("--cacert"), tls.err());

        Map<String, String> badToken = new HashMap<>(environment());
        badToken.put("KMIPCTL_TOKEN", "not-a-token");
        Run unauthorized = assertExit(1, kmipctl(badToken, "", "adapters"));
        assertTrue(unauthorized.err().contains("UNAUTHORIZED_ERR"), unauthorized.err());

        // login, from the first start's token file, then commands with nothing but the profile.
        Path tokenFile = Files.writeString(directory.resolve("initial-admin-api-token"), "instance " + instance.id()
                + "\ntoken " + managerToken + "\n");
        Path config = directory.resolve("login-config");
        Map<String, String> fresh = Map.of("XDG_CONFIG_HOME", config.toString());
        assertExit(0, kmipctl(fresh, "", "login", "--url", "https://localhost:" + server.port(), "--cacert",
                caFile().toString(), "--token-file", tokenFile.toString()));
        Path profile = config.resolve("kmipctl/profile");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(profile)));
        assertExit(0, kmipctl(fresh, "", "keys", "list"));
        Run badLogin = assertExit(1, kmipctl(fresh, "", "login", "--token", "not-a-token"));
        assertTrue(badLogin.err().contains("UNAUTHORIZED_ERR"), badLogin.err());
        assertExit(0, kmipctl(fresh, "", "keys", "list")); // a refused login leaves the profile as it was

        Run unknown = assertExit(2, kmipctl("adapter-frobnicate"));
        assertTrue(unknown.err().contains("Unmatched argument") || unknown.err().contains("Unknown"), unknown.err());
    }

    @Test
    void tokens_areIssuedOnce_listedWithoutSecrets_andRevoked() throws Exception {
        Run issued = assertExit(0, kmipctl("tokens", "create", "--role", "KmipAdapterManager", "--description",
                "vsphere-admin", "-o", "json"));
        String id = issued.json().get("id").asText();
        String secret = issued.json().get("secret").asText();
        Run list = assertExit(0, kmipctl("tokens", "list"));
        assertTrue(list.out().contains(id) && list.out().contains("KmipAdapterManager"), list.out());
        assertFalse(list.out().contains(secret), "never the secret again");
        Map<String, String> asAdapterManager = new HashMap<>(environment());
        asAdapterManager.put("KMIPCTL_TOKEN", secret);
        assertExit(0, kmipctl(asAdapterManager, "", "adapters"));
        assertExit(1, kmipctl(asAdapterManager, "", "tokens", "list"));
        assertExit(0, kmipctl("tokens", "revoke", id));
        assertExit(1, kmipctl(asAdapterManager, "", "adapters"));
    }

    @Test
    void help_listsEveryCommand_andCompletionIsGenerated() throws Exception {
        Run help = assertExit(0, kmipctl("--help"));
        for (String command : List.of("adapter-create", "adapters", "adapter", "adapter-delete", "cert-create",
                "certs", "cert", "cert-delete", "objects", "object", "object-delete", "keys", "tokens",
                "cert-issue", "cert-sign", "server-chain", "login", "generate-completion")) {
            assertTrue(help.out().lines().anyMatch(line -> line.strip().startsWith(command + " ")
                    || line.strip().equals(command)), command + " in\n" + help.out());
        }
        assertTrue(help.out().contains("3   what was named does not exist"), help.out());
        Run completion = assertExit(0, kmipctl("generate-completion"));
        assertTrue(completion.out().contains("complete -F") && completion.out().contains("kmipctl"));
    }
}
