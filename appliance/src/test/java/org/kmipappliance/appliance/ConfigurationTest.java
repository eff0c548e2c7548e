package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration file as an operator meets it: every problem in a file reported at once, one line each, with
 * the file and line, the key, the value and what is allowed, and no Java in sight; every key that exists applied.
 */
class ConfigurationTest {
    /** What a line about a problem must not contain: the reader's internals. */
    private static final Pattern JAVA_INTERNALS = Pattern.compile(
            "java\\.|javax\\.|Exception|snakeyaml|jackson|\\bat [a-z]+\\.|\\bnull\\b");

    @TempDir
    Path directory;

    private Path file(String yaml) throws IOException {
        Path file = directory.resolve("config.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private List<String> problems(String yaml) throws IOException {
        Path file = file(yaml);
        ConfigurationException refused = assertThrows(ConfigurationException.class, () -> ApplianceConfig.load(file));
        for (String problem : refused.problems()) {
            assertFalse(problem.contains("\n"), "one line per problem: " + problem);
            assertFalse(JAVA_INTERNALS.matcher(problem).find(), "no Java internals in: " + problem);
        }
        return refused.problems();
    }

    private String at(int line) {
        return directory.resolve("config.yaml") + ":" + line + ": ";
    }

    @Test
    void everyProblemInAFile_isReportedAtOnce_withItsLineKeyValueAndWhatIsAllowed() throws IOException {
        List<String> problems = problems("""
                kmip:
                  port: 5696
                rest:
                  port: 70000
                  max-conections: 10
                hsm:
                  max-sessions: 0
                root-keys:
                  rotation-interval-minutes: soon
                log:
                  format: xml
                """);
        assertEquals(List.of(
                at(4) + "rest.port: '70000' is out of range; allowed: a whole number from 0 to 65535 (0: any free "
                        + "port)",
                at(5) + "rest.max-conections: unknown key (did you mean max-connections?); the keys of rest are "
                        + String.join(", ", Settings.keysOf("rest")),
                at(7) + "hsm.max-sessions: '0' is out of range; allowed: a whole number from 1 to 1024",
                at(9) + "root-keys.rotation-interval-minutes: 'soon' is not a whole number; allowed: a whole number "
                        + "from 0 to 525600 (0: no limit)",
                at(11) + "log.format: 'xml' is not one of the choices; allowed: one of text, json"), problems);
    }

    @Test
    void unknownSection_isNamedWithItsLine_andTheClosestSection() throws IOException {
        assertEquals(List.of(at(3) + "databse: unknown section (did you mean database?); the sections are "
                + String.join(", ", Settings.sections())), problems("""
                kmip:
                  port: 5696
                databse:
                  max-connections: 4
                """));
    }

    @Test
    void brokenYaml_saysWhereItBreaks() throws IOException {
        List<String> problems = problems("""
                kmip:
                  port: 5696
                rest: {port: 8443
                log:
                  format: text
                """);
        assertEquals(1, problems.size());
        assertTrue(problems.getFirst().startsWith(directory.resolve("config.yaml") + ":"), problems.getFirst());
        assertTrue(problems.getFirst().contains("the file is not valid YAML"), problems.getFirst());
        int line = Integer.parseInt(problems.getFirst().split(":")[1]);
        assertTrue(line >= 3 && line <= 6, "the line of the unclosed mapping or just after: " + problems.getFirst());
    }

    @Test
    void emptyListsNullsDuplicatesAndWrongShapes_areEachNamed() throws IOException {
        assertEquals(List.of(
                at(2) + "tls.hostnames: has 0 element(s) and needs at least 1; allowed: a list of at least 1 of: a "
                        + "DNS name",
                at(3) + "tls.ip-addresses: '300.1.1.1' is not an IP address; allowed: a list of: an IP address",
                at(5) + "kmip.port: has no value; give one (a whole number from 0 to 65535 (0: any free port)) or "
                        + "remove the key to use its default, 5696",
                at(6) + "kmip.port: given twice (first on line 5)",
                at(7) + "rest: must be a mapping of keys such as " + String.join(":, ", Settings.keysOf("rest"))
                        + ":",
                at(8) + "kmip: given twice (first on line 4)"),
                problems("""
                        tls:
                          hostnames: []
                          ip-addresses: [300.1.1.1]
                        kmip:
                          port:
                          port: 5697
                        rest: 8443
                        kmip: {host: 127.0.0.1}
                        """));
    }

    @Test
    void keysThatOnlyMeanSomethingTogether_areChecked() throws IOException {
        Path pin = Files.writeString(directory.resolve("pin"), "1234");
        assertEquals(List.of(
                at(2) + "hsm.slot: applies only with hsm.library; the appliance's own SoftHSM2 token needs none of "
                        + "it",
                at(4) + "database.user: applies only with database.jdbc-url; the embedded PostgreSQL makes its own "
                        + "role and password",
                at(6) + "rest.port: is kmip.port too; the two listeners need ports of their own"),
                problems("""
                        hsm:
                          slot: 4
                        database:
                          user: kmip
                        kmip: {port: 7000}
                        rest: {port: 7000}
                        """));
        Path library = Files.writeString(directory.resolve("libpkcs11.so"), "");
        assertEquals(List.of(
                at(4) + "hsm.slot-list-index: give one of hsm.token-label, hsm.slot and hsm.slot-list-index, not "
                        + "hsm.slot and hsm.slot-list-index",
                at(6) + "hsm.pin-env: give one of hsm.pin-file and hsm.pin-env, not both",
                at(8) + "database.jdbc-url: an external database needs database.user too"),
                problems("""
                        hsm:
                          library: %s
                          slot: 4
                          slot-list-index: 1
                          pin-file: %s
                          pin-env: HSM_PIN
                        database:
                          jdbc-url: jdbc:postgresql://db.example.com/kmip
                        """.formatted(library, pin)));
        assertEquals(List.of(at(2) + "hsm.library: the HSM's user PIN needs a source: set hsm.pin-file (a file only "
                        + "the appliance's user can read) or hsm.pin-env (an environment variable's name)"),
                problems("hsm:\n  library: " + library + "\n"));
    }

    @Test
    void filesThatAreNotThere_orNotConfiguration_areRefusedPlainly() throws IOException {
        Path missing = directory.resolve("missing.yaml");
        assertEquals(List.of(missing + ": the configuration file does not exist"),
                assertThrows(ConfigurationException.class, () -> ApplianceConfig.load(missing)).problems());
        assertEquals(List.of(at(1) + "hsm.library: '/no/such/libpkcs11.so' is not a readable file; allowed: the "
                + "absolute path of a file the appliance's user can read",
                at(1) + "hsm.library: the HSM's user PIN needs a source: set hsm.pin-file (a file only the "
                        + "appliance's user can read) or hsm.pin-env (an environment variable's name)"),
                problems("hsm: {library: /no/such/libpkcs11.so}\n"));
        assertEquals(List.of(at(1) + "the file must be a mapping of sections: "
                + String.join(":, ", Settings.sections()) + ":"), problems("- kmip\n- rest\n"));
    }

    @Test
    void anEmptyFile_orOneWithEverythingCommentedOut_isTheEmbeddedDefaults() throws IOException {
        assertEquals(ApplianceConfig.defaults(), ApplianceConfig.load(file("")));
        assertEquals(ApplianceConfig.defaults(), ApplianceConfig.load(file(Settings.example())));
    }

    @Test
    void theShippedExampleFile_isTheOneRenderedFromTheSettings_andNamesEveryKey() throws IOException {
        String shipped;
        try (InputStream in = ConfigurationTest.class.getResourceAsStream("/kmip-appliance.example.yaml")) {
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(Settings.example(), shipped, "regenerate it: kmip-appliance example-config > "
                + "appliance/src/main/resources/kmip-appliance.example.yaml");
        for (Setting setting : Settings.ALL) {
            assertTrue(shipped.contains("#   " + setting.name() + ": "), "the example names " + setting.key());
        }
    }

    /**
     * A value other than its default for every key: each must change the configuration read, compared with the
     * same file without it (keys that need others get those in both), so no key can be accepted and then ignored.
     * A key added to Settings without a line here fails.
     */
    @Test
    void everyKey_isApplied() throws Exception {
        Path library = Files.writeString(directory.resolve("libpkcs11.so"), "");
        Path secret = Files.writeString(directory.resolve("secret"), "s3cret");
        String hsm = "hsm: {library: " + library + ", pin-env: HSM_PIN";
        String database = "database: {jdbc-url: 'jdbc:postgresql://db.example.com/kmip', user: kmip";
        record Change(String without, String with) {
        }
        Map<String, Change> changes = new LinkedHashMap<>();
        changes.put("kmip.host", new Change("", "kmip: {host: 127.0.0.1}"));
        changes.put("kmip.port", new Change("", "kmip: {port: 15696}"));
        changes.put("kmip.max-connections", new Change("", "kmip: {max-connections: 5}"));
        changes.put("rest.host", new Change("", "rest: {host: 127.0.0.1}"));
        changes.put("rest.port", new Change("", "rest: {port: 18443}"));
        changes.put("rest.max-connections", new Change("", "rest: {max-connections: 5}"));
        changes.put("kmip.max-connections-per-source", new Change("", "kmip: {max-connections-per-source: 5}"));
        changes.put("rest.metrics-access", new Change("", "rest: {metrics-access: open}"));
        changes.put("kmip.tls-engine", new Change("", "kmip: {tls-engine: jdk}"));
        changes.put("root-keys.max-per-instance", new Change("", "root-keys: {max-per-instance: 10}"));
        changes.put("hsm.library", new Change("", hsm + "}"));
        changes.put("hsm.token-label", new Change(hsm + "}", hsm + ", token-label: prod}"));
        changes.put("hsm.slot", new Change(hsm + "}", hsm + ", slot: 7}"));
        changes.put("hsm.slot-list-index", new Change(hsm + "}", hsm + ", slot-list-index: 2}"));
        changes.put("hsm.pin-file", new Change(hsm + "}", "hsm: {library: " + library + ", pin-file: " + secret
                + "}"));
        changes.put("hsm.pin-env", new Change("hsm: {library: " + library + ", pin-file: " + secret + "}",
                hsm + "}"));
        changes.put("hsm.max-sessions", new Change("", "hsm: {max-sessions: 3}"));
        changes.put("hsm.restart-after-seconds", new Change("", "hsm: {restart-after-seconds: 0}"));
        changes.put("database.jdbc-url", new Change("", database + "}"));
        changes.put("database.user", new Change(database + "}", database.replace("user: kmip", "user: other")
                + "}"));
        changes.put("database.password-file", new Change(database + "}", database + ", password-file: " + secret
                + "}"));
        changes.put("database.max-connections", new Change("", "database: {max-connections: 3}"));
        changes.put("tls.hostnames", new Change("", "tls: {hostnames: [kms.example.com, kms]}"));
        changes.put("tls.ip-addresses", new Change("", "tls: {ip-addresses: ['10.0.0.5', '::1']}"));
        changes.put("root-keys.rotation-interval-minutes", new Change("", "root-keys: {rotation-interval-minutes: "
                + "0}"));
        changes.put("root-keys.enable-delay-seconds", new Change("", "root-keys: {enable-delay-seconds: 0}"));
        changes.put("root-keys.restore-window-days", new Change("", "root-keys: {restore-window-days: 7}"));
        changes.put("root-keys.purge-delay-minutes", new Change("", "root-keys: {purge-delay-minutes: 0}"));
        changes.put("root-keys.automatic-purge-days", new Change("", "root-keys: {automatic-purge-days: 30}"));
        changes.put("root-keys.allow-plain-import", new Change("", "root-keys: {allow-plain-import: true}"));
        changes.put("log.format", new Change("", "log: {format: json}"));
        changes.put("tls.renew-before-days", new Change("", "tls: {renew-before-days: 60}"));
        OperatorFiles operator = OperatorFiles.write(directory);
        for (String listener : List.of("kmip", "rest")) {
            String pem = listener + ": {certificate-file: " + operator.chain() + ", private-key-file: "
                    + operator.key() + "}";
            changes.put(listener + ".certificate-file", new Change("", pem));
            changes.put(listener + ".private-key-file", new Change("", pem));
            String pkcs12 = listener + ": {pkcs12-file: " + operator.pkcs12() + ", pkcs12-password-file: "
                    + operator.password() + "}";
            changes.put(listener + ".pkcs12-file", new Change(pem, pkcs12));
            changes.put(listener + ".pkcs12-password-file", new Change(pem, pkcs12));
        }
        assertEquals(Settings.ALL.stream().map(Setting::key).collect(Collectors.toSet()), changes.keySet(),
                "every key has a changed value here");
        for (Map.Entry<String, Change> key : changes.entrySet()) {
            ApplianceConfig without = ApplianceConfig.load(file(key.getValue().without() + "\n"));
            ApplianceConfig with = ApplianceConfig.load(file(key.getValue().with() + "\n"));
            assertNotEquals(without, with, key.getKey() + " is applied");
        }
    }

    @Test
    void anOperatorsCertificate_isCheckedWithTheConfiguration() throws Exception {
        OperatorFiles operator = OperatorFiles.write(directory);
        ApplianceConfig sound = ApplianceConfig.load(file("kmip: {certificate-file: " + operator.chain()
                + ", private-key-file: " + operator.key() + "}\nrest: {pkcs12-file: " + operator.pkcs12()
                + ", pkcs12-password-file: " + operator.password() + "}\n"));
        assertEquals(operator.chain().toString(), sound.kmip().certificate().certificateFile());
        assertEquals(operator.pkcs12().toString(), sound.rest().certificate().pkcs12File());
        assertEquals(null, sound.rest().certificate().certificateFile());

        assertEquals(List.of(at(1) + "kmip.certificate-file: the private key is not the key of the certificate in "
                        + operator.chain()),
                problems("kmip: {certificate-file: " + operator.chain() + ", private-key-file: "
                        + operator.otherKey() + "}\n"));
        assertEquals(List.of(at(1) + "kmip.certificate-file: the private key is not the key of the certificate in "
                        + operator.reversedChain(), at(1) + "kmip.certificate-file: the certificates in "
                        + operator.reversedChain() + " are not in order: certificate 1 (CN=operator CA) is not issued "
                        + "by the one after it; give the server certificate first, then each issuer"),
                problems("kmip: {certificate-file: " + operator.reversedChain() + ", private-key-file: "
                        + operator.key() + "}\n"));
        List<String> expired = problems("rest: {certificate-file: " + operator.expired() + ", private-key-file: "
                + operator.expiredKey() + "}\n");
        assertEquals(1, expired.size(), expired.toString());
        assertTrue(expired.getFirst().startsWith(at(1) + "rest.certificate-file: the certificate in "
                + operator.expired() + " expired on "), expired.getFirst());
        assertEquals(List.of(at(1) + "rest.certificate-file: give both rest.certificate-file and "
                + "rest.private-key-file, or neither"), problems("rest: {certificate-file: " + operator.chain()
                + "}\n"));
        assertEquals(List.of(at(1) + "kmip.pkcs12-file: give kmip.pkcs12-file or kmip.certificate-file and "
                + "kmip.private-key-file, not both"), problems("kmip: {pkcs12-file: " + operator.pkcs12()
                + ", certificate-file: " + operator.chain() + ", private-key-file: " + operator.key() + "}\n"));
        assertEquals(List.of(at(1) + "kmip.pkcs12-password-file: applies only with kmip.pkcs12-file"),
                problems("kmip: {pkcs12-password-file: " + operator.password() + "}\n"));
        List<String> wrongPassword = problems("kmip: {pkcs12-file: " + operator.pkcs12() + ", pkcs12-password-file: "
                + operator.otherKey() + "}\n");
        assertEquals(1, wrongPassword.size());
        assertTrue(wrongPassword.getFirst().startsWith(at(1) + "kmip.pkcs12-file: " + operator.pkcs12()
                + " cannot be opened as PKCS#12"), wrongPassword.getFirst());
        assertTrue(wrongPassword.getFirst().endsWith("check the file and the password in " + operator.otherKey()),
                wrongPassword.getFirst());
    }

    @Test
    void valuesAreReadIntoTheirPlaces() throws IOException {
        ApplianceConfig read = ApplianceConfig.load(file("""
                kmip: {host: 127.0.0.1, port: 15696, max-connections: 7, max-connections-per-source: 3}
                rest: {port: 0, max-connections: 9, metrics-access: open}
                hsm: {max-sessions: 5, restart-after-seconds: 0}
                tls: {hostnames: [kms.example.com], ip-addresses: []}
                root-keys: {rotation-interval-minutes: 5, enable-delay-seconds: 6, max-per-instance: 12}
                log: {format: json}
                """));
        assertEquals(new ApplianceConfig.Listener("127.0.0.1", 15696, 7, null), read.kmip());
        assertEquals(new ApplianceConfig.Listener("0.0.0.0", 0, 9, null), read.rest());
        assertEquals(3, read.kmipListener().maxConnectionsPerSource());
        assertEquals("open", read.restListener().metricsAccess());
        assertEquals(12, read.rootKeys().policy().maxPerInstance());
        assertEquals(5, read.hsm().maxSessions());
        assertEquals(0, read.hsm().restartAfterSeconds());
        assertEquals(List.of("kms.example.com"), read.tls().hostnames());
        assertEquals(List.of(), read.tls().ipAddresses());
        assertEquals(5, read.rootKeys().rotationIntervalMinutes());
        assertEquals(6, read.rootKeys().enableDelaySeconds());
        assertTrue(read.log().json());
    }

    @Test
    void connectionLimits_mustFitTheProcesssOpenFileLimit() {
        ApplianceConfig defaults = ApplianceConfig.defaults();
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Appliance.requireFileDescriptorsForConnections(defaults, 4_096));
        assertTrue(refused.getMessage().contains("this process may open 4096")
                && refused.getMessage().contains("LimitNOFILE"), refused.getMessage());
        Appliance.requireFileDescriptorsForConnections(defaults, 1_048_576);
    }
}
