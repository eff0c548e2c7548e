package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.ControlledHsm;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/**
 * The interleavings that lose keys or break the HSM's agreement with the database, made to happen every time: one
 * call is held at the dangerous point (on the real token) while a rotation, its re-wrap and the destruction of the
 * old version run to the end, then released.
 */
class CustodyInterleavingsTest {
    private static CustodyDatabase database;
    private static ControlledHsm hsm;
    private static KeyCustody custody;
    private static Instance instance;
    private static ExecutorService threads;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        hsm = new ControlledHsm(TestHsm.hsm());
        custody = new KeyCustody(hsm, database, Clock.systemUTC(), RootKeyPolicy.NONE);
        instance = custody.access().createInstance("interleavings", TESTER);
        threads = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
        custody.close();
        database.close();
    }

    private static TestTenant newSetup(String name) {
        return TestTenant.create(custody, instance, name);
    }

    private static void rotateAndFinish(TestTenant setup) throws InterruptedException {
        long job = custody.rootKeys().rotate(instance.id(), setup.rootKey().id().toString(), TESTER).jobId();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!RootKeyRewrap.FINISHED.equals(custody.rewrap().progress(job).state())
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(RootKeyRewrap.FINISHED, custody.rewrap().progress(job).state());
    }

    @Test
    void aGet_whoseVersionIsDestroyedBetweenItsReadAndTheHsm_opensTheKeyUnderTheNewVersion() throws Exception {
        TestTenant setup = newSetup("get-meets-rotation");
        UUID id = custody.objects().createSymmetricKey(setup.caller(), KmipObjects.AES, 256, 12).id();
        byte[] original;
        try (ObjectMaterial key = custody.objects().openMaterial(setup.caller(), id)) {
            original = key.material().reveal().clone();
        }
        String versionOne = custody.rootKeys().hsmLabel(setup.rootKey().id(), 1);
        ControlledHsm.Pause heldGet = hsm.pauseNext(ControlledHsm.Point.BEFORE_OPEN, versionOne::equals);
        Future<byte[]> get = threads.submit(() -> {
            try (ObjectMaterial key = custody.objects().openMaterial(setup.caller(), id)) {
                return key.material().reveal().clone();
            }
        });
        heldGet.awaitReached();
        rotateAndFinish(setup);
        assertFalse(TestHsm.hsm().containsRootKey(versionOne), "the version the Get read is gone");
        heldGet.release();
        assertArrayEquals(original, get.get(1, TimeUnit.MINUTES));
    }

    @Test
    void aCreate_thatSealedBeforeARotationCommitted_isStoredUnderTheNewVersion() throws Exception {
        TestTenant setup = newSetup("create-meets-rotation");
        String versionOne = custody.rootKeys().hsmLabel(setup.rootKey().id(), 1);
        ControlledHsm.Pause heldCreate = hsm.pauseNext(ControlledHsm.Point.AFTER_SEAL, versionOne::equals);
        Future<UUID> create = threads.submit(() -> custody.objects().createSymmetricKey(setup.caller(),
                KmipObjects.AES, 256, 12).id());
        heldCreate.awaitReached();
        rotateAndFinish(setup);
        assertFalse(TestHsm.hsm().containsRootKey(versionOne), "version 1 had no key, so it was destroyed");
        heldCreate.release();
        UUID id = create.get(1, TimeUnit.MINUTES);
        assertEquals(2, database.dsl().select(KMIP_OBJECTS.ROOT_KEY_VERSION).from(KMIP_OBJECTS)
                .where(KMIP_OBJECTS.ID.eq(id)).fetchOne(KMIP_OBJECTS.ROOT_KEY_VERSION));
        try (ObjectMaterial key = custody.objects().openMaterial(setup.caller(), id)) {
            assertEquals(32, key.material().length(), "the acknowledged key opens");
        }
    }

    @Test
    void aCreate_whoseRootKeyIsDisabledWhileItSeals_isRefused_andWritesNothing() throws Exception {
        TestTenant setup = newSetup("create-meets-disable");
        String versionOne = custody.rootKeys().hsmLabel(setup.rootKey().id(), 1);
        int before = database.dsl().fetchCount(KMIP_OBJECTS);
        ControlledHsm.Pause heldCreate = hsm.pauseNext(ControlledHsm.Point.AFTER_SEAL, versionOne::equals);
        Future<UUID> create = threads.submit(() -> custody.objects().createSymmetricKey(setup.caller(),
                KmipObjects.AES, 256, 12).id());
        heldCreate.awaitReached();
        custody.rootKeys().disable(instance.id(), setup.rootKey().id().toString(), TESTER);
        heldCreate.release();
        ExecutionException refused = assertThrows(ExecutionException.class, () -> create.get(1, TimeUnit.MINUTES));
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE,
                assertInstanceOf(CustodyException.class, refused.getCause()).failure());
        assertEquals(before, database.dsl().fetchCount(KMIP_OBJECTS));
    }

    @Test
    void aSecondRotation_whileTheFirstMakesItsHsmObject_isRefused() throws Exception {
        TestTenant setup = newSetup("rotation-meets-rotation");
        String prefix = "crk-" + setup.rootKey().id() + "-v2-";
        ControlledHsm.Pause heldRotation = hsm.pauseNext(ControlledHsm.Point.BEFORE_CREATE_ROOT_KEY,
                label -> label.startsWith(prefix));
        Future<RewrapProgress> first = threads.submit(() -> custody.rootKeys().rotate(instance.id(),
                setup.rootKey().id().toString(), TESTER));
        heldRotation.awaitReached();
        CustodyException second = assertThrows(CustodyException.class, () -> custody.rootKeys().rotate(
                instance.id(), setup.rootKey().id().toString(), TESTER));
        assertEquals(CustodyException.Failure.ROOT_KEY_ROTATION_IN_PROGRESS, second.failure());
        heldRotation.release();
        assertEquals(2, first.get(1, TimeUnit.MINUTES).toVersion());
        List<RootKeys.RootKeyVersion> versions = custody.rootKeys().versions(instance.id(),
                setup.rootKey().id().toString());
        assertEquals(2, versions.size());
        assertEquals(1, TestHsm.hsm().rootKeyLabels().stream().filter(label -> label.startsWith(prefix)).count(),
                "exactly one object was made for version 2");
    }
}
