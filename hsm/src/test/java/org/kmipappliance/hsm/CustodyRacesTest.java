package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.HSM_OBJECT_INTENTS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEY_VERSIONS;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/**
 * Custody under concurrency, on a real token and database: Creates and Gets racing rotations, rotations racing each
 * other in one JVM and in two, attempts a crash abandoned, and nodes making the probe key at once. Each test can
 * lose a key or leave the HSM and the database disagreeing if the code it guards regresses.
 *
 * <p>{@code -Dcustody.race.seconds=N} makes the rotation race run longer than its default few seconds.
 */
class CustodyRacesTest {
    private static final Duration RACE = Duration.ofSeconds(Long.getLong("custody.race.seconds", 6));
    private static CustodyDatabase database;
    private static String jdbcUrl;
    private static KeyCustody custody;
    private static Instance instance;

    @BeforeAll
    static void start() {
        jdbcUrl = TestDatabase.createDatabase();
        database = TestDatabase.connect(jdbcUrl, 16);
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.NONE);
        instance = custody.access().createInstance("races", TESTER);
    }

    @AfterAll
    static void stop() {
        custody.close();
        database.close();
    }

    private static TestTenant newSetup(String name) {
        return TestTenant.create(custody, instance, name);
    }

    /**
     * Workers create keys and get them back while the root key is rotated again as soon as each re-wrap has finished
     * and destroyed the old version. Most keys are destroyed once checked, so every re-wrap is short and versions
     * are destroyed many times a second, right under Creates and Gets in flight; one key in fifty is kept and checked
     * at the end.
     */
    @Test
    void createsAndGets_racingARotationLoop_loseNothing_andNoGetFails() throws Exception {
        TestTenant setup = newSetup("rotating-under-load");
        Map<UUID, byte[]> kept = new ConcurrentHashMap<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger rotations = new AtomicInteger();
        AtomicInteger created = new AtomicInteger();
        AtomicInteger gets = new AtomicInteger();
        try (ExecutorService threads = Executors.newFixedThreadPool(7)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                workers.add(threads.submit(() -> {
                    while (running.get()) {
                        try {
                            UUID id = custody.objects().createSymmetricKey(setup.caller(), KmipObjects.AES, 256, 12)
                                    .id();
                            created.incrementAndGet();
                            byte[] material;
                            try (ObjectMaterial key = custody.objects().openMaterial(setup.caller(), id)) {
                                material = key.material().reveal().clone();
                            }
                            Thread.sleep(ThreadLocalRandom.current().nextInt(5));
                            try (ObjectMaterial key = custody.objects().openMaterial(setup.caller(), id)) {
                                assertArrayEquals(material, key.material().reveal(), "key " + id);
                            }
                            gets.addAndGet(2);
                            if (ThreadLocalRandom.current().nextInt(50) == 0) {
                                kept.put(id, material);
                            } else {
                                custody.objects().transition(setup.caller(), id, LifecycleEvent.DESTROY, null, null,
                                        null);
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }
                    return null;
                }));
            }
            workers.add(threads.submit(() -> {
                while (running.get()) {
                    try {
                        long job = custody.rootKeys().rotate(instance.id(), setup.rootKey().id().toString(),
                                TESTER).jobId();
                        rotations.incrementAndGet();
                        while (!RootKeyRewrap.FINISHED.equals(custody.rewrap().progress(job).state())) {
                            Thread.sleep(1);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
                return null;
            }));
            Thread.sleep(RACE);
            running.set(false);
            for (Future<?> worker : workers) {
                worker.get(2, TimeUnit.MINUTES);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " operations failed during the race, first: "
                + (failures.isEmpty() ? "" : failures.getFirst()));
        assertTrue(rotations.get() >= 3, "rotations ran: " + rotations.get());
        System.out.printf("CustodyRacesTest: %d keys created, %d Gets, %d rotations (each re-wrapped and its old "
                + "version destroyed) in %d s, no failure%n", created.get(), gets.get(), rotations.get(),
                RACE.toSeconds());

        assertEquals(RootKeyRewrap.FINISHED, RootKeyLifecycleTest.awaitFinished(custody, setup.rootKey().id())
                .state());
        for (Map.Entry<UUID, byte[]> key : kept.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(setup.caller(), key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal(), "key " + key.getKey());
            }
        }
        assertHsmHoldsExactlyTheLiveVersions(setup.rootKey().id());
    }

    @Test
    void rotationsAtOnce_oneAtATimeWins_theOthersAreRefused() throws Exception {
        TestTenant setup = newSetup("rotated-at-once");
        int contenders = 8;
        CyclicBarrier start = new CyclicBarrier(contenders);
        AtomicInteger won = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(contenders)) {
            for (int t = 0; t < contenders; t++) {
                threads.submit(() -> {
                    try {
                        start.await();
                        custody.rootKeys().rotate(instance.id(), setup.rootKey().id().toString(), TESTER);
                        won.incrementAndGet();
                    } catch (CustodyException e) {
                        if (e.failure() == CustodyException.Failure.ROOT_KEY_ROTATION_IN_PROGRESS) {
                            refused.incrementAndGet();
                        } else {
                            failures.add(e);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                    return null;
                });
            }
        }
        assertTrue(failures.isEmpty(), "only conflicts may fail: " + failures);
        assertEquals(contenders, won.get() + refused.get());
        assertTrue(won.get() >= 1 && refused.get() >= 1, won.get() + " won, " + refused.get() + " refused");
        assertEquals(1 + won.get(), custody.rootKeys().versions(instance.id(), setup.rootKey().id().toString())
                .size(), "one version per winning rotation");
        assertEquals(RootKeyRewrap.FINISHED, RootKeyLifecycleTest.awaitFinished(custody, setup.rootKey().id())
                .state());
        assertHsmHoldsExactlyTheLiveVersions(setup.rootKey().id());
    }

    @Test
    void twoProcessesRotatingAtOnce_agreeWithTheHsm() throws Exception {
        TestTenant setup = newSetup("rotated-by-two-jvms");
        UUID key = createKeyAndRemember(setup);
        List<Process> rotators = new ArrayList<>();
        long startAt = System.currentTimeMillis() + 3_000;
        for (int i = 0; i < 2; i++) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString()));
            command.addAll(TestHsm.childJvmOptions());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), RotateInAnotherJvm.class.getName(),
                    instance.id().toString(), setup.rootKey().id().toString(), Long.toString(startAt)));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            TestDatabase.shareWithChild(builder, jdbcUrl);
            rotators.add(builder.start());
        }
        int won = 0;
        for (Process rotator : rotators) {
            String output = new String(rotator.getInputStream().readAllBytes());
            assertTrue(rotator.waitFor(2, TimeUnit.MINUTES));
            assertEquals(0, rotator.exitValue(), output);
            won += Integer.parseInt(output.lines().filter(line -> line.startsWith("won ")).findFirst()
                    .orElseThrow(() -> new AssertionError(output)).substring(4));
        }
        assertTrue(won >= 1, "some rotations won");
        assertEquals(1 + won, custody.rootKeys().versions(instance.id(), setup.rootKey().id().toString()).size());
        // The rotating JVMs ended abruptly, perhaps between recording a version destroyed and destroying it on the
        // HSM; a surviving node carries their last re-wrap on and sweeps what they left, as it does every 5 s.
        custody.rewrap().resumeAll();
        assertEquals(RootKeyRewrap.FINISHED, RootKeyLifecycleTest.awaitFinished(custody, setup.rootKey().id())
                .state());
        custody.sweep();
        assertHsmHoldsExactlyTheLiveVersions(setup.rootKey().id());
        try (ObjectMaterial opened = custody.objects().openMaterial(setup.caller(), key)) {
            assertEquals(32, opened.material().length());
        }
    }

    /** Rotates a root key ten times from its start time on; prints how many won. Conflicts are expected. */
    public static final class RotateInAnotherJvm {
        public static void main(String[] args) throws Exception {
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(TestHsm.config());
                 CustodyDatabase database = TestDatabase.connectInChild(4);
                 KeyCustody custody = new KeyCustody(hsm, database, Clock.systemUTC(), RootKeyPolicy.NONE)) {
                Thread.sleep(Math.max(0, Long.parseLong(args[2]) - System.currentTimeMillis()));
                int won = 0;
                for (int i = 0; i < 10; i++) {
                    try {
                        custody.rootKeys().rotate(UUID.fromString(args[0]), args[1], TESTER);
                        won++;
                    } catch (CustodyException e) {
                        if (e.failure() != CustodyException.Failure.ROOT_KEY_ROTATION_IN_PROGRESS) {
                            throw e;
                        }
                    }
                }
                System.out.println("won " + won);
                System.exit(0);
            }
        }
    }

    @Test
    void anAttemptACrashAbandoned_isSweptFromTheHsm_andItsLateClaimFails() {
        TestTenant setup = newSetup("abandoned-attempt");
        HsmObjectIntents intents = new HsmObjectIntents(database.dsl(), hsmOf(), Clock.systemUTC());
        String label = database.dsl().transactionResult(tx -> intents.reserve(tx.dsl(), setup.rootKey().id(), 2));
        intents.create(label);
        assertEquals(CustodyException.Failure.ROOT_KEY_ROTATION_IN_PROGRESS, assertThrows(CustodyException.class, () -> custody.rootKeys().rotate(instance.id(),
                        setup.rootKey().id().toString(), TESTER)).failure(), "the attempt holds the key");

        custody.sweep();
        assertTrue(TestHsm.hsm().containsRootKey(label), "a young attempt is left alone");
        database.dsl().update(HSM_OBJECT_INTENTS).set(HSM_OBJECT_INTENTS.CREATED_AT,
                        OffsetDateTime.now().minus(HsmObjectIntents.ABANDONED_AFTER).minusMinutes(1))
                .where(HSM_OBJECT_INTENTS.HSM_LABEL.eq(label)).execute();
        custody.sweep();
        assertFalse(TestHsm.hsm().containsRootKey(label), "the abandoned attempt's object is destroyed");
        assertEquals(0, database.dsl().fetchCount(HSM_OBJECT_INTENTS, HSM_OBJECT_INTENTS.HSM_LABEL.eq(label)));
        assertTrue(assertThrows(HsmException.class, () -> database.dsl()
                .transaction(tx -> intents.claim(tx.dsl(), label))).getMessage().contains("given up"));
        custody.rootKeys().rotate(instance.id(), setup.rootKey().id().toString(), TESTER);
    }

    @Test
    void aVersionRecordedDestroyedButLeftOnTheHsm_isSwept() {
        RootKey root = custody.rootKeys().create(instance.id(), "half-destroyed", null, TESTER);
        String label = custody.rootKeys().hsmLabel(root.id(), 1);
        // What a node that died between recording the destruction and making it leaves behind.
        database.dsl().update(ROOT_KEY_VERSIONS).set(ROOT_KEY_VERSIONS.DESTROYED_AT, OffsetDateTime.now())
                .where(ROOT_KEY_VERSIONS.HSM_LABEL.eq(label)).execute();
        assertTrue(TestHsm.hsm().containsRootKey(label));
        custody.sweep();
        assertFalse(TestHsm.hsm().containsRootKey(label));
    }

    @Test
    void nodesCheckingHealthAtOnce_makeTheProbeKeyOnce() throws Exception {
        TestHsm.hsm().destroyRootKey("kmip-appliance-health-probe");
        try (CustodyDatabase second = TestDatabase.connect(jdbcUrl, 8);
             KeyCustody otherNode = new KeyCustody(TestHsm.hsm(), second, Clock.systemUTC(), RootKeyPolicy.NONE);
             ExecutorService threads = Executors.newFixedThreadPool(8)) {
            CyclicBarrier start = new CyclicBarrier(8);
            List<Future<Boolean>> checks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                KeyCustody node = t % 2 == 0 ? custody : otherNode;
                checks.add(threads.submit(() -> {
                    start.await();
                    return node.health().get("hsm");
                }));
            }
            for (Future<Boolean> check : checks) {
                assertTrue(check.get(1, TimeUnit.MINUTES), "the HSM is healthy");
            }
        }
        // A second object with the probe's label would make this listing fail.
        assertTrue(TestHsm.hsm().rootKeyLabels().contains("kmip-appliance-health-probe"));
    }

    private static UUID createKeyAndRemember(TestTenant setup) {
        return custody.objects().createSymmetricKey(setup.caller(), KmipObjects.AES, 256, 12).id();
    }

    private static TimedHsm hsmOf() {
        return new TimedHsm(TestHsm.hsm(), database.metrics(), 4);
    }

    /** The token holds exactly the versions of the root key that the database lists as not destroyed. */
    private static void assertHsmHoldsExactlyTheLiveVersions(UUID rootKeyId) {
        Set<String> live = database.dsl().select(ROOT_KEY_VERSIONS.HSM_LABEL).from(ROOT_KEY_VERSIONS)
                .where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(rootKeyId).and(ROOT_KEY_VERSIONS.DESTROYED_AT.isNull()))
                .fetchSet(ROOT_KEY_VERSIONS.HSM_LABEL);
        Set<String> onToken = TestHsm.hsm().rootKeyLabels().stream()
                .filter(label -> label.startsWith("crk-" + rootKeyId + "-")).collect(Collectors.toSet());
        assertEquals(live, onToken);
        assertEquals(0, database.dsl().fetchCount(HSM_OBJECT_INTENTS, HSM_OBJECT_INTENTS.ROOT_KEY_ID.eq(rootKeyId)),
                "no attempt is left open");
    }
}
