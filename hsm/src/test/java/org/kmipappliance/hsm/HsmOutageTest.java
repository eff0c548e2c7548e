package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pkcs11.HsmConfig;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;

/**
 * The HSM disappears while the appliance runs: SoftHSM2's token directory is taken away. Key operations must fail
 * with an HSM error (which the tiers answer as Cryptographic Failure and 503), health must say DOWN, and nothing
 * may be half-written. It runs in a JVM of its own with a token of its own, because SoftHSM2 invalidates a vanished
 * token for the rest of the process.
 */
class HsmOutageTest {
    @Test
    void hsmGone_failsCleanly_reportsDown_writesNothingHalfway() throws Exception {
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "softhsm-outage-" + UUID.randomUUID());
        Files.createDirectories(directory);
        Path report = directory.resolve("report.txt");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), OutageInAnotherJvm.class.getName(),
                directory.toString(), report.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        TestDatabase.shareWithChild(builder, TestDatabase.createDatabase());
        builder.environment().put("SOFTHSM2_CONF", SoftHsmToken.configFile(directory).toString());
        Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the outage JVM finished");
        String seen = Files.readString(report);
        assertEquals(0, process.exitValue(), seen);
        assertEquals(List.of("before: open ok, health UP", "gone: open failed in the HSM",
                "gone: create failed in the HSM", "gone: health DOWN", "gone: no half-written key"),
                seen.lines().toList());
    }

    /** Runs the outage against its own SoftHSM2 token and writes what it saw, one line per check. */
    public static final class OutageInAnotherJvm {
        public static void main(String[] args) throws Exception {
            Path directory = Path.of(args[0]);
            List<String> seen = new ArrayList<>();
            HsmConfig config = SoftHsmToken.provision(directory, "outage-test");
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(config);
                 CustodyDatabase database = TestDatabase.connectInChild(2);
                 KeyCustody custody = new KeyCustody(hsm, database, Clock.systemUTC(), RootKeyPolicy.NONE)) {
                Instance instance = custody.access().createInstance("outage", TESTER);
                RootKey root = custody.rootKeys().create(instance.id(), "outage-root", null, TESTER);
                KmipAdapter adapter = custody.adapters().create(instance.id(), null, null,
                        KmipAdapter.NATIVE_PROFILE, root.id().toString(), TESTER);
                String pem = TestCertificates.clientPem("outage");
                custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
                KmipCaller caller = custody.certificates().identify(PemCertificates.sha256Fingerprint(
                        PemCertificates.parse(pem))).orElseThrow();
                UUID id = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
                try (ObjectMaterial ignored = custody.objects().openMaterial(caller, id)) {
                    seen.add("before: open ok, health " + (custody.health().get("hsm") ? "UP" : "DOWN"));
                }
                int objects = database.dsl().fetchCount(KMIP_OBJECTS);
                Files.move(directory.resolve("tokens"), directory.resolve("tokens.away"));
                try (ObjectMaterial ignored = custody.objects().openMaterial(caller, id)) {
                    seen.add("gone: open succeeded");
                } catch (HsmException e) {
                    seen.add("gone: open failed in the HSM");
                }
                try {
                    custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12);
                    seen.add("gone: create succeeded");
                } catch (HsmException e) {
                    seen.add("gone: create failed in the HSM");
                }
                seen.add("gone: health " + (custody.health().get("hsm") ? "UP" : "DOWN"));
                seen.add(database.dsl().fetchCount(KMIP_OBJECTS) == objects ? "gone: no half-written key"
                        : "gone: a key was written");
            } finally {
                Files.writeString(Path.of(args[1]), String.join("\n", seen) + "\n");
            }
        }
    }
}
