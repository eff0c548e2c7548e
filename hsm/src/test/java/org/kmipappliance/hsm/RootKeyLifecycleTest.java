package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.jooq.Tables;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/** Root keys over their life: rotation with re-wrap, disable and enable, deletion and crypto-shredding. */
class RootKeyLifecycleTest {
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static KeyCustody keyProtectRules;
    private static Instance instance;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.NONE);
        keyProtectRules = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.KEY_PROTECT);
        instance = custody.access().createInstance("lifecycle", TESTER);
    }

    @AfterAll
    static void stop() {
        custody.close();
        keyProtectRules.close();
        database.close();
    }

    private static TestTenant newSetup(String name) {
        return TestTenant.create(custody, instance, name);
    }

    private static Map<UUID, byte[]> createKeys(KmipCaller caller, int count) {
        Map<UUID, byte[]> materials = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            UUID id = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
            try (ObjectMaterial key = custody.objects().openMaterial(caller, id)) {
                materials.put(id, key.material().reveal().clone());
            }
        }
        return materials;
    }

    static RewrapProgress awaitFinished(KeyCustody custody, UUID rootKeyId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        RewrapProgress progress = custody.rewrap().latest(rootKeyId).orElseThrow();
        while (!RootKeyRewrap.FINISHED.equals(progress.state()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            progress = custody.rewrap().latest(rootKeyId).orElseThrow();
        }
        return progress;
    }

    @Test
    void anExpiredRootKey_isDeactivated_opensWhatItSealed_andSealsNothingNew() throws Exception {
        Instant now = Instant.now();
        assertEquals(CustodyException.Failure.INVALID_FIELD, assertThrows(CustodyException.class, () ->
                custody.rootKeys().create(instance.id(), "expired-at-birth", null, List.of(), now.minusSeconds(1),
                        TESTER)).failure(), "an expiration date that has passed");
        RootKey root = custody.rootKeys().create(instance.id(), "expiring", null, List.of(),
                now.plus(Duration.ofHours(1)), TESTER);
        assertEquals(now.plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS),
                root.expirationDate().truncatedTo(ChronoUnit.MILLIS));
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                root.id().toString(), TESTER);
        String pem = TestCertificates.clientPem("expiring-" + UUID.randomUUID());
        custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
        KmipCaller caller = custody.certificates().identify(PemCertificates.sha256Fingerprint(
                PemCertificates.parse(pem))).orElseThrow();
        Map<UUID, byte[]> sealed = createKeys(caller, 3);

        assertEquals(0, custody.rootKeys().expireDue(now), "its date has not come");
        assertEquals(RootKeyState.ACTIVE, custody.rootKeys().get(instance.id(), root.id().toString()).state());
        assertEquals(1, custody.rootKeys().expireDue(now.plus(Duration.ofHours(2))));
        assertEquals(0, custody.rootKeys().expireDue(now.plus(Duration.ofHours(3))), "once");
        assertEquals(RootKeyState.DEACTIVATED, custody.rootKeys().get(instance.id(), root.id().toString()).state());
        assertEquals(1, database.dsl().fetchCount(Tables.AUDIT_EVENTS, Tables.AUDIT_EVENTS.ACTION.eq(
                "root_key.expire").and(Tables.AUDIT_EVENTS.TARGET.eq(root.id().toString()))));

        for (Map.Entry<UUID, byte[]> key : sealed.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(caller, key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal(), "Key Protect's deactivated keys "
                        + "still unwrap");
            }
        }
        CustodyException refused = assertThrows(CustodyException.class,
                () -> custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12));
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE, refused.failure());
        assertTrue(refused.getMessage().contains("expiration date has come"), refused.getMessage());
        assertEquals(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, assertThrows(CustodyException.class,
                () -> custody.rootKeys().enable(instance.id(), root.id().toString(), TESTER)).failure(),
                "an expired key is not enabled again");

        // Key Protect rotates a deactivated key: its KMIP keys move to a new version and it stays deactivated.
        custody.rootKeys().rotate(instance.id(), root.id().toString(), TESTER);
        assertEquals(RootKeyRewrap.FINISHED, awaitFinished(custody, root.id()).state());
        assertEquals(RootKeyState.DEACTIVATED, custody.rootKeys().get(instance.id(), root.id().toString()).state());
        for (Map.Entry<UUID, byte[]> key : sealed.entrySet()) {
            assertEquals(2, database.dsl().fetchValue(database.dsl().select(KMIP_OBJECTS.ROOT_KEY_VERSION)
                    .from(KMIP_OBJECTS).where(KMIP_OBJECTS.ID.eq(key.getKey()))), "re-sealed under version 2");
            try (ObjectMaterial opened = custody.objects().openMaterial(caller, key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal(), "the same key after the rotation");
            }
        }
    }

    @Test
    void rotation_reSealsEveryKeyUnderTheNewVersion_andDestroysTheOldOne() throws Exception {
        TestTenant setup = newSetup("rotating");
        Map<UUID, byte[]> materials = createKeys(setup.caller(), 450);
        RewrapProgress started = custody.rootKeys().rotate(instance.id(), setup.rootKey().id().toString(), TESTER);
        assertEquals(2, started.toVersion());
        assertEquals(450, started.total());
        UUID createdAfter = custody.objects().createSymmetricKey(setup.caller(), KmipObjects.AES, 256, 12).id();
        assertEquals(2, database.dsl().select(KMIP_OBJECTS.ROOT_KEY_VERSION).from(KMIP_OBJECTS)
                .where(KMIP_OBJECTS.ID.eq(createdAfter)).fetchOne(KMIP_OBJECTS.ROOT_KEY_VERSION),
                "a key created after the rotation is sealed under the new version at once");

        RewrapProgress finished = awaitFinished(custody, setup.rootKey().id());
        assertEquals(RootKeyRewrap.FINISHED, finished.state());
        assertEquals(450, finished.done());
        assertEquals(0, finished.failed());
        for (Map.Entry<UUID, byte[]> key : materials.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(setup.caller(), key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal(), "the key kept its material");
            }
        }
        assertEquals(0, database.dsl().fetchCount(KMIP_OBJECTS, KMIP_OBJECTS.ROOT_KEY_ID.eq(setup.rootKey().id())
                .and(KMIP_OBJECTS.ROOT_KEY_VERSION.lt(2))));
        List<RootKeys.RootKeyVersion> versions = custody.rootKeys().versions(instance.id(),
                setup.rootKey().id().toString());
        assertEquals(2, versions.size());
        assertNotNull(versions.getLast().destroyedAt(), "version 1 is destroyed once nothing depends on it");
        assertFalse(TestHsm.hsm().containsRootKey(custody.rootKeys().hsmLabel(setup.rootKey().id(), 1)));
        assertTrue(TestHsm.hsm().containsRootKey(custody.rootKeys().hsmLabel(setup.rootKey().id(), 2)));
    }

    @Test
    void aliases_nameAKeyUniquelyInTheInstance_uptoFive() {
        RootKey key = custody.rootKeys().create(instance.id(), "aliased", null, List.of("vsphere-prod", "dc-1"),
                TESTER);
        assertEquals(List.of("vsphere-prod", "dc-1"), key.aliases());
        assertEquals(key.id(), custody.rootKeys().get(instance.id(), "vsphere-prod").id());
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                "dc-1", TESTER);
        assertEquals(key.id(), adapter.rootKeyId(), "an adapter's crk_id may be an alias");
        assertEquals(CustodyException.Failure.ROOT_KEY_ALIAS_TAKEN, assertThrows(CustodyException.class,
                () -> custody.rootKeys().create(instance.id(), "other", null, List.of("dc-1"), TESTER)).failure());
        for (String bad : List.of("x", "keys", "has space", UUID.randomUUID().toString())) {
            assertEquals(CustodyException.Failure.INVALID_FIELD, assertThrows(CustodyException.class,
                    () -> custody.rootKeys().addAlias(instance.id(), key.id().toString(), bad, TESTER)).failure(), bad);
        }
        custody.rootKeys().addAlias(instance.id(), "dc-1", "a3", TESTER);
        custody.rootKeys().addAlias(instance.id(), "dc-1", "a4", TESTER);
        custody.rootKeys().addAlias(instance.id(), "dc-1", "a5", TESTER);
        assertEquals(CustodyException.Failure.ROOT_KEY_ALIAS_LIMIT_REACHED, assertThrows(CustodyException.class,
                () -> custody.rootKeys().addAlias(instance.id(), "dc-1", "a6", TESTER)).failure());
        custody.rootKeys().deleteAlias(instance.id(), key.id().toString(), "vsphere-prod", TESTER);
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_FOUND, assertThrows(CustodyException.class,
                () -> custody.rootKeys().get(instance.id(), "vsphere-prod")).failure());
        assertEquals(4, custody.rootKeys().get(instance.id(), key.id().toString()).aliases().size());
    }

    @Test
    void keyProtectPolicy_oneRotationPerHour_andEnableOnly30SecondsAfterDisable() {
        TestTenant setup = newSetup("policy");
        String id = setup.rootKey().id().toString();
        keyProtectRules.rootKeys().rotate(instance.id(), id, TESTER);
        assertEquals(CustodyException.Failure.ROOT_KEY_ROTATION_TOO_SOON, assertThrows(CustodyException.class,
                () -> keyProtectRules.rootKeys().rotate(instance.id(), id, TESTER)).failure());
        keyProtectRules.rootKeys().disable(instance.id(), id, TESTER);
        assertEquals(CustodyException.Failure.ROOT_KEY_ENABLE_TOO_SOON, assertThrows(CustodyException.class,
                () -> keyProtectRules.rootKeys().enable(instance.id(), id, TESTER)).failure());
        custody.rootKeys().enable(instance.id(), id, TESTER);
    }

    @Test
    void disabledRootKey_makesItsKmipKeysUnusable_enablingRestoresThem() {
        TestTenant setup = newSetup("suspendable");
        Map<UUID, byte[]> materials = createKeys(setup.caller(), 3);
        String id = setup.rootKey().id().toString();
        assertEquals(RootKeyState.SUSPENDED, custody.rootKeys().disable(instance.id(), id, TESTER).state());
        UUID first = materials.keySet().iterator().next();
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE, assertThrows(CustodyException.class,
                () -> custody.objects().openMaterial(setup.caller(), first)).failure());
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE, assertThrows(CustodyException.class,
                () -> custody.objects().createSymmetricKey(setup.caller(), KmipObjects.AES, 256, 12)).failure());
        assertEquals(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, assertThrows(CustodyException.class,
                () -> custody.rootKeys().rotate(instance.id(), id, TESTER)).failure());
        assertEquals(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, assertThrows(CustodyException.class,
                () -> custody.rootKeys().disable(instance.id(), id, TESTER)).failure());
        assertEquals(RootKeyState.ACTIVE, custody.rootKeys().enable(instance.id(), id, TESTER).state());
        for (Map.Entry<UUID, byte[]> key : materials.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(setup.caller(), key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal(), "nothing was lost");
            }
        }
    }

    @Test
    void deletion_isRefusedWhileAnAdapterUsesTheKey_andRestorable_untilAPurgeShredsEverythingSealedUnderIt() {
        TestTenant setup = newSetup("shredded");
        Map<UUID, byte[]> materials = createKeys(setup.caller(), 3);
        String id = setup.rootKey().id().toString();
        // What a database backup taken now would hold: the blobs and what binds them.
        List<Object[]> backup = new ArrayList<>();
        database.dsl().selectFrom(KMIP_OBJECTS).where(KMIP_OBJECTS.ADAPTER_ID.eq(setup.adapter().id()))
                .forEach(row -> backup.add(new Object[] {row.getId(), row.getRootKeyVersion(), row.getSealedMaterial()}));
        assertEquals(CustodyException.Failure.ROOT_KEY_IN_USE, assertThrows(CustodyException.class,
                () -> custody.rootKeys().delete(instance.id(), id, false, TESTER)).failure());

        // Deleted with force: the adapter's keys stop as for a disabled key, and nothing is lost yet.
        RootKey deleted = custody.rootKeys().delete(instance.id(), id, true, TESTER);
        assertEquals(RootKeyState.DESTROYED, deleted.state());
        assertEquals(TESTER.actor(), deleted.deletion().deletedBy());
        UUID first = materials.keySet().iterator().next();
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE, assertThrows(CustodyException.class,
                () -> custody.objects().openMaterial(setup.caller(), first)).failure(), "stopped while deleted");
        assertTrue(TestHsm.hsm().containsRootKey(custody.rootKeys().hsmLabel(setup.rootKey().id(), 1)),
                "its HSM object waits for the purge");
        assertEquals(CustodyException.Failure.ROOT_KEY_PURGE_TOO_SOON, assertThrows(CustodyException.class,
                () -> keyProtectRules.rootKeys().purge(instance.id(), id, TESTER)).failure(),
                "Key Protect's rule: no purge within 4 hours of the deletion");

        assertEquals(RootKeyState.ACTIVE, custody.rootKeys().restore(instance.id(), id, TESTER).state());
        for (Map.Entry<UUID, byte[]> key : materials.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(setup.caller(), key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal(), "restored: everything is back");
            }
        }
        assertEquals(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, assertThrows(CustodyException.class,
                () -> custody.rootKeys().restore(instance.id(), id, TESTER)).failure(), "only a deleted key");

        for (UUID key : materials.keySet()) {
            custody.objects().delete(instance.id(), setup.adapter().name(), key, true, TESTER);
        }
        custody.adapters().delete(instance.id(), setup.adapter().name(), TESTER);
        custody.rootKeys().delete(instance.id(), id, false, TESTER);
        assertEquals(RootKeyState.DESTROYED, custody.rootKeys().purge(instance.id(), id, TESTER).state());
        assertFalse(TestHsm.hsm().containsRootKey(custody.rootKeys().hsmLabel(setup.rootKey().id(), 1)));
        for (Object[] row : backup) {
            UUID object = (UUID) row[0];
            int version = (Integer) row[1];
            assertThrows(HsmKeyMissingException.class, () -> TestHsm.hsm().open(
                    custody.rootKeys().hsmLabel(setup.rootKey().id(), version),
                    KmipObjects.associatedData(object, setup.rootKey().id(), version), (byte[]) row[2]));
        }
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_FOUND, assertThrows(CustodyException.class,
                () -> custody.rootKeys().restore(instance.id(), id, TESTER)).failure(), "a purged key is gone");
        assertEquals(1, database.dsl().fetchCount(Tables.AUDIT_EVENTS, Tables.AUDIT_EVENTS.ACTION.eq(
                "root_key.purge").and(Tables.AUDIT_EVENTS.TARGET.eq(id))));
    }

    @Test
    void dualAuthorization_lapsesSevenDaysAfterItWasGiven() {
        Requester first = Requester.rest(new ApiPrincipal(UUID.randomUUID(), instance.id(), Set.of(Role.MANAGER)),
                "127.0.0.1", "first");
        Requester second = Requester.rest(new ApiPrincipal(UUID.randomUUID(), instance.id(), Set.of(Role.MANAGER)),
                "127.0.0.1", "second");
        RootKey key = custody.rootKeys().create(instance.id(), "dual-" + UUID.randomUUID(), null, List.of(), null,
                true, first);
        String id = key.id().toString();
        assertTrue(key.dualAuthDelete().enabled());
        custody.rootKeys().authorizeDeletion(instance.id(), id, true, first);
        database.dsl().update(Tables.ROOT_KEYS).set(Tables.ROOT_KEYS.DELETION_AUTHORIZED_AT,
                OffsetDateTime.now().minusDays(8)).where(Tables.ROOT_KEYS.ID.eq(key.id())).execute();
        assertEquals(CustodyException.Failure.ROOT_KEY_DELETION_NOT_AUTHORIZED, assertThrows(CustodyException.class,
                () -> custody.rootKeys().delete(instance.id(), id, false, second)).failure(), "eight days: lapsed");
        custody.rootKeys().authorizeDeletion(instance.id(), id, true, first);
        RootKey deleted = custody.rootKeys().delete(instance.id(), id, false, second);
        assertEquals(RootKeyState.DESTROYED, deleted.state());
        assertEquals(second.actor(), deleted.deletion().deletedBy());
        assertEquals(null, deleted.dualAuthDelete().authorizedBy(), "an authorization serves one deletion");
    }

    @Test
    void aDeletedKey_isPurgedOnItsSchedule_andRestorableOnlyWithinItsWindow() {
        RootKey key = custody.rootKeys().create(instance.id(), "scheduled-" + UUID.randomUUID(), null, TESTER);
        String id = key.id().toString();
        RootKey deleted = custody.rootKeys().delete(instance.id(), id, false, TESTER);
        Instant deletedAt = deleted.deletion().deletedAt();
        assertEquals(deletedAt.plus(RootKeyPolicy.KEY_PROTECT_AUTOMATIC_PURGE), deleted.deletion().purgeScheduledOn());
        assertEquals(deletedAt.plus(RootKeyPolicy.KEY_PROTECT_RESTORE_WINDOW),
                deleted.deletion().restoreAllowedUntil());
        assertEquals(0, custody.rootKeys().purgeDue(deletedAt.plus(Duration.ofDays(89))), "not yet");
        assertTrue(TestHsm.hsm().containsRootKey(custody.rootKeys().hsmLabel(key.id(), 1)));
        assertTrue(custody.rootKeys().purgeDue(deletedAt.plus(Duration.ofDays(91))) >= 1);
        assertFalse(TestHsm.hsm().containsRootKey(custody.rootKeys().hsmLabel(key.id(), 1)), "shredded on time");
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_FOUND, assertThrows(CustodyException.class,
                () -> custody.rootKeys().get(instance.id(), id)).failure());

        RootKey late = custody.rootKeys().create(instance.id(), "late-" + UUID.randomUUID(), null, TESTER);
        database.dsl().update(Tables.ROOT_KEYS).set(Tables.ROOT_KEYS.DELETED_AT, OffsetDateTime.now()
                .minusDays(31)).set(Tables.ROOT_KEYS.STATE, (short) RootKeyState.DESTROYED.code())
                .where(Tables.ROOT_KEYS.ID.eq(late.id())).execute();
        assertEquals(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, assertThrows(CustodyException.class,
                () -> custody.rootKeys().restore(instance.id(), late.id().toString(), TESTER)).failure(),
                "31 days after its deletion: too late to restore");
    }

    /**
     * What Destroy guarantees: the database no longer holds the sealed key, but a copy taken earlier (a backup, the
     * WAL, a dead row in the table's files) still opens while its root-key version lives. Rotating the root key
     * moves every live key to the new version and destroys the old one; from then on that copy is noise.
     */
    @Test
    void aCopyOfADestroyedKey_opensUntilTheRootKeyIsRotated_andNeverAfter() throws Exception {
        TestTenant setup = newSetup("destroyed-then-rotated");
        UUID keep = createKeys(setup.caller(), 1).keySet().iterator().next();
        UUID destroyed = createKeys(setup.caller(), 1).keySet().iterator().next();
        var copy = database.dsl().selectFrom(KMIP_OBJECTS).where(KMIP_OBJECTS.ID.eq(destroyed)).fetchOne();
        byte[] blob = copy.getSealedMaterial();
        String versionOne = custody.rootKeys().hsmLabel(setup.rootKey().id(), 1);
        byte[] associatedData = KmipObjects.associatedData(destroyed, setup.rootKey().id(), 1);

        custody.objects().transition(setup.caller(), destroyed, LifecycleEvent.DESTROY, null, null, null);
        try (SecretBytes stillOpens = TestHsm.hsm().open(versionOne, associatedData, blob)) {
            assertEquals(32, stillOpens.length(), "before the rotation, the old copy still opens");
        }

        custody.rootKeys().rotate(instance.id(), setup.rootKey().id().toString(), TESTER);
        assertEquals(RootKeyRewrap.FINISHED, awaitFinished(custody, setup.rootKey().id()).state());
        assertThrows(HsmKeyMissingException.class, () -> TestHsm.hsm().open(versionOne, associatedData, blob),
                "version 1 is destroyed: the copy can never be opened");
        String versionTwo = custody.rootKeys().hsmLabel(setup.rootKey().id(), 2);
        assertThrows(SealedKeyIntegrityException.class, () -> TestHsm.hsm().open(versionTwo, associatedData, blob));
        assertThrows(SealedKeyIntegrityException.class, () -> TestHsm.hsm().open(versionTwo,
                KmipObjects.associatedData(destroyed, setup.rootKey().id(), 2), blob));
        try (ObjectMaterial kept = custody.objects().openMaterial(setup.caller(), keep)) {
            assertEquals(32, kept.material().length(), "live keys moved to version 2 and open");
        }
    }

    /**
     * A database restored beside an HSM that lived on: a version gone from the HSM (a key deleted after the backup)
     * is recorded as destroyed, with the root key deleted when it was the current version; versions the HSM holds
     * stay live, and their keys open.
     */
    @Test
    void reconcileWithHsm_recordsVersionsTheHsmLostAsDestroyed_andLeavesTheOthers() {
        TestTenant gone = newSetup("gone-from-hsm");
        TestTenant kept = newSetup("still-on-hsm");
        Map<UUID, byte[]> keptKeys = createKeys(kept.caller(), 2);
        createKeys(gone.caller(), 2);
        TestHsm.hsm().destroyRootKey(custody.rootKeys().hsmLabel(gone.rootKey().id(), 1));

        List<RootKeys.MissingVersion> missing = custody.rootKeys().reconcileWithHsm(TESTER);

        assertEquals(List.of(new RootKeys.MissingVersion(gone.rootKey().id(), gone.rootKey().name(), 1, true, 2)),
                missing);
        // Its HSM objects are gone: recorded as deleted and purged, so gone from the API as a purged key is.
        var goneRow = database.dsl().selectFrom(Tables.ROOT_KEYS).where(Tables.ROOT_KEYS.ID.eq(gone.rootKey().id()))
                .fetchOne();
        assertEquals((short) RootKeyState.DESTROYED.code(), goneRow.getState());
        assertNotNull(goneRow.getPurgedAt());
        assertNotNull(database.dsl().selectFrom(Tables.ROOT_KEY_VERSIONS).where(Tables.ROOT_KEY_VERSIONS.ROOT_KEY_ID
                .eq(gone.rootKey().id())).fetchOne().getDestroyedAt());
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_FOUND, assertThrows(CustodyException.class,
                () -> custody.rootKeys().get(instance.id(), gone.rootKey().id().toString())).failure());
        assertEquals(RootKeyState.ACTIVE, custody.rootKeys().get(instance.id(), kept.rootKey().id().toString())
                .state());
        for (Map.Entry<UUID, byte[]> key : keptKeys.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(kept.caller(), key.getKey())) {
                assertArrayEquals(key.getValue(), opened.material().reveal());
            }
        }
        assertEquals(List.of(), custody.rootKeys().reconcileWithHsm(TESTER), "a second run finds nothing");
    }

    /** An HSM with none of the database's versions is the wrong token: nothing is recorded destroyed. */
    @Test
    void reconcileWithHsm_refusesATokenThatHoldsNoneOfTheVersions() {
        TestTenant setup = newSetup("wrong-token");
        Hsm emptyToken = new ForwardingHsm(TestHsm.hsm()) {
            @Override
            public java.util.Set<String> rootKeyLabels() {
                return java.util.Set.of();
            }
        };
        try (KeyCustody onWrongToken = new KeyCustody(emptyToken, database, Clock.systemUTC(), RootKeyPolicy.NONE)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> onWrongToken.rootKeys().reconcileWithHsm(TESTER));
            assertTrue(refused.getMessage().contains("this is not the token the database was used with"),
                    refused.getMessage());
        }
        assertEquals(RootKeyState.ACTIVE, custody.rootKeys().get(instance.id(), setup.rootKey().id().toString())
                .state());
        assertEquals(null, custody.rootKeys().versions(instance.id(), setup.rootKey().id().toString()).getFirst()
                .destroyedAt());
    }
}
