package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * Rotation of a root key with 10,000 KMIP keys under it, with the process doing the re-wrap killed half-way: a
 * second JVM rotates and starts re-sealing, is killed (SIGKILL) once a fifth of the keys moved, and this JVM resumes
 * the job and finishes it. Every key must still return its original material. Throughput is printed.
 */
class RotationAtScaleTest {
    private static final int KEYS = 10_000;

    @Test
    void rotationOf10000Keys_survivesAKillMidway() throws Exception {
        String jdbcUrl = TestDatabase.createDatabase();
        try (CustodyDatabase database = TestDatabase.connect(jdbcUrl, 8);
             KeyCustody custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.NONE)) {
            Instance instance = custody.access().createInstance("scale-rotation", TESTER);
            RootKey root = custody.rootKeys().create(instance.id(), "scale-root", null, TESTER);
            KmipAdapter adapter = custody.adapters().create(instance.id(), "scale", null, KmipAdapter.NATIVE_PROFILE,
                    root.id().toString(), TESTER);
            String pem = TestCertificates.clientPem("scale-rotation");
            custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
            KmipCaller caller = custody.certificates().identify(PemCertificates.sha256Fingerprint(
                    PemCertificates.parse(pem))).orElseThrow();

            Map<UUID, byte[]> materials = new ConcurrentHashMap<>();
            long started = System.nanoTime();
            try (ExecutorService workers = Executors.newFixedThreadPool(4)) {
                List<Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    tasks.add(workers.submit(() -> {
                        for (int i = 0; i < KEYS / 4; i++) {
                            UUID id = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
                            try (ObjectMaterial key = custody.objects().openMaterial(caller, id)) {
                                materials.put(id, key.material().reveal().clone());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> task : tasks) {
                    task.get();
                }
            }
            System.out.printf("RotationAtScaleTest: created %d keys in %d ms%n", KEYS,
                    (System.nanoTime() - started) / 1_000_000);

            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString()));
            command.addAll(TestHsm.childJvmOptions());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), RotateInAnotherJvm.class.getName(),
                    instance.id().toString(), root.id().toString()));
            ProcessBuilder rotator = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            TestDatabase.shareWithChild(rotator, jdbcUrl);
            Process child = rotator.start();
            long rotationStarted = System.nanoTime();
            RewrapProgress progress = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < deadline) {
                var latest = custody.rewrap().latest(root.id());
                if (latest.isPresent() && latest.get().done() >= KEYS / 5) {
                    progress = latest.get();
                    break;
                }
                Thread.sleep(50);
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertTrue(progress != null, "the other JVM started re-sealing");
            RewrapProgress atKill = custody.rewrap().latest(root.id()).orElseThrow();
            System.out.printf("RotationAtScaleTest: killed the re-wrapping JVM at %d/%d keys%n", atKill.done(),
                    atKill.total());
            assertEquals(RootKeyRewrap.RUNNING, atKill.state(), "the job was interrupted, not finished");
            assertTrue(atKill.done() < KEYS, "the kill came before the end");

            long resumed = System.nanoTime();
            custody.rewrap().resumeAll();
            RewrapProgress finished = RootKeyLifecycleTest.awaitFinished(custody, root.id());
            long end = System.nanoTime();
            assertEquals(RootKeyRewrap.FINISHED, finished.state());
            assertEquals(KEYS, finished.total());
            assertEquals(KEYS, finished.done());
            assertEquals(0, finished.failed());
            System.out.printf("RotationAtScaleTest: resumed and finished %d keys in %d ms (%.0f keys/s); whole "
                            + "rotation %d ms%n", KEYS - atKill.done(), (end - resumed) / 1_000_000,
                    (KEYS - atKill.done()) / ((end - resumed) / 1e9), (end - rotationStarted) / 1_000_000);

            for (Map.Entry<UUID, byte[]> key : materials.entrySet()) {
                try (ObjectMaterial opened = custody.objects().openMaterial(caller, key.getKey())) {
                    assertArrayEquals(key.getValue(), opened.material().reveal());
                }
            }
            // Mean time per HSM call in this JVM (creation with 4 threads, the resumed re-wrap, the final check).
            custody.metrics().render().lines().filter(line -> line.startsWith("kmip_appliance_hsm_operation_seconds")
                            && !line.contains("_bucket"))
                    .forEach(line -> System.out.println("RotationAtScaleTest: " + line));
        }
    }

    /** The JVM that rotates and starts the re-wrap, and is killed while doing it. */
    public static final class RotateInAnotherJvm {
        public static void main(String[] args) throws Exception {
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(TestHsm.config());
                 CustodyDatabase database = TestDatabase.connectInChild(4);
                 KeyCustody custody = new KeyCustody(hsm, database, Clock.systemUTC(), RootKeyPolicy.NONE)) {
                custody.rootKeys().rotate(UUID.fromString(args[0]), args[1], TESTER);
                Thread.sleep(Duration.ofMinutes(5));
            }
        }
    }
}
