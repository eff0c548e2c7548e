package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.jooq.Tables;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

class KeyCustodyTest {
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static Instance instance;
    private static RootKey rootKey;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        instance = custody.access().createInstance("custody-test", TESTER);
        rootKey = custody.rootKeys().create(instance.id(), "vsphere-root", null, TESTER);
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    private static KmipCaller callerOnNewAdapter() {
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, "for a test", KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        String pem = TestCertificates.clientPem("client-" + UUID.randomUUID());
        custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
        String fingerprint = PemCertificates.sha256Fingerprint(PemCertificates.parse(pem));
        return custody.certificates().identify(fingerprint).orElseThrow();
    }

    @Test
    void aRecentIdentity_endsAtTheRemovalThisNodeHears_andWithinASecondOfOneItHasNot() throws Exception {
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, "identities", KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        String heard = TestCertificates.clientPem("heard-" + UUID.randomUUID());
        String unheard = TestCertificates.clientPem("unheard-" + UUID.randomUUID());
        ClientCertificate heardCertificate = custody.certificates().add(instance.id(), adapter.name(), null, heard,
                TESTER);
        custody.certificates().add(instance.id(), adapter.name(), null, unheard, TESTER);
        String heardFingerprint = PemCertificates.sha256Fingerprint(PemCertificates.parse(heard));
        String unheardFingerprint = PemCertificates.sha256Fingerprint(PemCertificates.parse(unheard));
        assertEquals(adapter.id(), custody.certificates().identifyRecent(heardFingerprint).orElseThrow().adapterId());
        assertTrue(custody.certificates().identifyRecent(unheardFingerprint).isPresent());
        assertNotSame(custody.certificates().identifyRecent(heardFingerprint).orElseThrow().requester(),
                custody.certificates().identifyRecent(heardFingerprint).orElseThrow().requester(),
                "each request gets a requester of its own to mark recorded, never a shared one");

        custody.certificates().delete(instance.id(), adapter.name(), heardCertificate.id().toString(), TESTER);
        assertTrue(custody.certificates().identifyRecent(heardFingerprint).isEmpty(), "a removal announced here "
                + "ends the identity at once");

        // As another node's removal would look while this node's listener is away: the row goes, nobody says so.
        database.dsl().deleteFrom(Tables.KMIP_CLIENT_CERTIFICATES)
                .where(Tables.KMIP_CLIENT_CERTIFICATES.SHA256_FINGERPRINT.eq(unheardFingerprint)).execute();
        long deadline = System.nanoTime() + ClientCertificates.RECENT_IDENTITY.toNanos();
        while (custody.certificates().identifyRecent(unheardFingerprint).isPresent()) {
            assertTrue(System.nanoTime() < deadline, "an unheard removal outlived the recent-identity bound");
            Thread.sleep(20);
        }
    }

    @Test
    void createdKey_opensToTheSameMaterialEveryTime() {
        KmipCaller caller = callerOnNewAdapter();
        KmipObject key = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12);
        assertEquals(ObjectState.PRE_ACTIVE, key.state());
        assertEquals(caller.certificateId(), key.createdByCertificateId());
        try (ObjectMaterial first = custody.objects().openMaterial(caller, key.id());
             ObjectMaterial second = custody.objects().openMaterial(caller, key.id())) {
            assertEquals(32, first.material().length());
            assertArrayEquals(first.material().reveal(), second.material().reveal());
        }
    }

    @Test
    void keysOfAnotherAdapter_areNotFound() {
        KmipCaller owner = callerOnNewAdapter();
        KmipCaller stranger = callerOnNewAdapter();
        KmipObject key = custody.objects().createSymmetricKey(owner, KmipObjects.AES, 128, 12);
        CustodyException e = assertThrows(CustodyException.class,
                () -> custody.objects().openMaterial(stranger, key.id()));
        assertEquals(CustodyException.Failure.OBJECT_NOT_FOUND, e.failure());
    }

    @Test
    void twoKeys_areDifferent() {
        KmipCaller caller = callerOnNewAdapter();
        UUID a = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        UUID b = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        try (ObjectMaterial first = custody.objects().openMaterial(caller, a);
             ObjectMaterial second = custody.objects().openMaterial(caller, b)) {
            assertFalse(first.material().sameAs(second.material()));
        }
    }

    @Test
    void unsupportedAlgorithmOrLength_isRefused() {
        KmipCaller caller = callerOnNewAdapter();
        assertEquals(CustodyException.Failure.UNSUPPORTED_ALGORITHM, assertThrows(CustodyException.class,
                () -> custody.objects().createSymmetricKey(caller, "DES3", 168, 12)).failure());
        assertEquals(CustodyException.Failure.INVALID_FIELD, assertThrows(CustodyException.class,
                () -> custody.objects().createSymmetricKey(caller, KmipObjects.AES, 512, 12)).failure());
    }

    @Test
    void adapterNames_followKeyProtectRules() {
        String id = rootKey.id().toString();
        for (String bad : new String[] {"a", "has space", "x".repeat(41), UUID.randomUUID().toString(), "semi;colon"}) {
            CustodyException e = assertThrows(CustodyException.class, () -> custody.adapters().create(instance.id(),
                    bad, null, KmipAdapter.NATIVE_PROFILE, id, TESTER), bad);
            assertEquals(CustodyException.Failure.INVALID_FIELD, e.failure(), bad);
        }
        KmipAdapter generated = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE, id,
                TESTER);
        assertTrue(generated.name().matches("kmip_adapter_[a-z0-9]{12}"), generated.name());
        assertEquals("", generated.description());
    }

    @Test
    void duplicateAdapterName_isRefused_andGetFindsByNameOrId() {
        KmipAdapter first = custody.adapters().create(instance.id(), "dup-name", null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        CustodyException e = assertThrows(CustodyException.class, () -> custody.adapters().create(instance.id(),
                "dup-name", null, KmipAdapter.NATIVE_PROFILE, rootKey.id().toString(), TESTER));
        assertEquals(CustodyException.Failure.ADAPTER_NAME_TAKEN, e.failure());
        assertEquals(first, custody.adapters().get(instance.id(), "dup-name"));
        assertEquals(first, custody.adapters().get(instance.id(), first.id().toString()));
    }

    @Test
    void adapterOnUnknownRootKey_isNotFound() {
        CustodyException e = assertThrows(CustodyException.class, () -> custody.adapters().create(instance.id(), null,
                null, KmipAdapter.NATIVE_PROFILE, UUID.randomUUID().toString(), TESTER));
        assertEquals(CustodyException.Failure.ROOT_KEY_NOT_FOUND, e.failure());
    }

    @Test
    void sameCertificateTwice_isRefusedEvenOnAnotherAdapter() {
        String pem = TestCertificates.clientPem("twice");
        KmipAdapter a = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        KmipAdapter b = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        custody.certificates().add(instance.id(), a.name(), "first", pem, TESTER);
        CustodyException e = assertThrows(CustodyException.class,
                () -> custody.certificates().add(instance.id(), b.name(), "second", pem, TESTER));
        assertEquals(CustodyException.Failure.CERTIFICATE_ALREADY_REGISTERED, e.failure());
        assertEquals(1, custody.certificates().list(instance.id(), a.name(), 10, 0).total());
        assertEquals(0, custody.certificates().list(instance.id(), b.name(), 10, 0).total());
    }

    @Test
    void invalidPem_isAnInvalidField() {
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        CustodyException e = assertThrows(CustodyException.class, () -> custody.certificates().add(instance.id(),
                adapter.name(), null, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", TESTER));
        assertEquals(CustodyException.Failure.INVALID_FIELD, e.failure());
        assertEquals("certificate", e.field());
    }

    @Test
    void apiTokens_authenticateUntilExpiry() throws InterruptedException {
        IssuedApiToken live = custody.access().issueToken(instance.id(), "t", EnumSet.of(Role.MANAGER), null, TESTER);
        ApiPrincipal principal = custody.access().authenticate(live.secret()).orElseThrow();
        assertEquals(Set.of(Role.MANAGER), principal.roles());
        assertEquals(instance.id(), principal.instanceId());
        assertFalse(live.toString().contains(live.secret()));

        IssuedApiToken shortLived = custody.access().issueToken(instance.id(), "t", EnumSet.of(Role.MANAGER),
                Instant.now().plusMillis(300), TESTER);
        assertTrue(custody.access().authenticate(shortLived.secret()).isPresent());
        Thread.sleep(400);
        assertTrue(custody.access().authenticate(shortLived.secret()).isEmpty(), "expired");
        assertTrue(custody.access().authenticate(live.secret() + "x").isEmpty());
        assertTrue(custody.access().authenticate("Bearer nonsense").isEmpty());
    }

    @Test
    void apiTokens_expiringInThePastOrInAnotherAge_areRefused() {
        for (Instant expiry : new Instant[] {Instant.now().minusSeconds(1), Instant.parse("2020-01-01T00:00:00Z"),
                AccessControl.LATEST_TOKEN_EXPIRY.plusSeconds(1),
                Instant.parse("+1000000000-01-01T00:00:00Z")}) {
            CustodyException refused = assertThrows(CustodyException.class, () -> custody.access().issueToken(
                    instance.id(), "t", EnumSet.of(Role.READER), expiry, TESTER), expiry.toString());
            assertEquals(CustodyException.Failure.INVALID_FIELD, refused.failure());
            assertEquals("expires_at", refused.field());
        }
    }

    @Test
    void rootKeys_perInstance_areBounded_beforeTheHsmMakesAnything_andDeletingMakesRoom() {
        KeyCustody limited = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(),
                RootKeyPolicy.NONE.withMaxPerInstance(3));
        Instance crowded = limited.access().createInstance("crowded-keys", TESTER);
        List<RootKey> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(limited.rootKeys().create(crowded.id(), "key-" + i, null, TESTER));
        }
        int versionsBefore = database.dsl().fetchCount(Tables.ROOT_KEY_VERSIONS)
                + database.dsl().fetchCount(Tables.HSM_OBJECT_INTENTS);
        CustodyException refused = assertThrows(CustodyException.class, () -> limited.rootKeys().create(crowded.id(),
                "one too many", null, TESTER));
        assertEquals(CustodyException.Failure.ROOT_KEY_LIMIT_REACHED, refused.failure());
        assertTrue(refused.getMessage().contains("root-keys.max-per-instance"), refused.getMessage());
        assertEquals(versionsBefore, database.dsl().fetchCount(Tables.ROOT_KEY_VERSIONS)
                + database.dsl().fetchCount(Tables.HSM_OBJECT_INTENTS), "nothing was made, nor reserved");
        limited.rootKeys().delete(crowded.id(), keys.getFirst().id().toString(), false, TESTER);
        assertEquals(RootKeyState.ACTIVE, limited.rootKeys().create(crowded.id(), "room again", null, TESTER)
                .state());
    }

    @Test
    void rootKeys_createdAtOnce_neverPassTheLimit() throws Exception {
        KeyCustody limited = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(),
                RootKeyPolicy.NONE.withMaxPerInstance(3));
        Instance racing = limited.access().createInstance("racing-keys", TESTER);
        List<Callable<Boolean>> creators = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String name = "racer-" + i;
            creators.add(() -> {
                try {
                    limited.rootKeys().create(racing.id(), name, null, TESTER);
                    return true;
                } catch (CustodyException e) {
                    assertEquals(CustodyException.Failure.ROOT_KEY_LIMIT_REACHED, e.failure());
                    return false;
                }
            });
        }
        List<Future<Boolean>> outcomes;
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            outcomes = threads.invokeAll(creators);
        }
        long created = 0;
        for (Future<Boolean> outcome : outcomes) {
            created += outcome.get() ? 1 : 0;
        }
        assertEquals(3, created, "the limit holds when creations race");
        assertEquals(3, limited.rootKeys().list(racing.id(), 10, 0).items().size());
    }

    @Test
    void apiTokens_perInstance_areBounded_andRevokingMakesRoom() {
        Instance crowded = custody.access().createInstance("crowded-tokens", TESTER);
        List<IssuedApiToken> issued = new ArrayList<>();
        for (int i = 0; i < AccessControl.MAX_TOKENS_PER_INSTANCE; i++) {
            issued.add(custody.access().issueToken(crowded.id(), "t" + i, EnumSet.of(Role.READER), null, TESTER));
        }
        CustodyException refused = assertThrows(CustodyException.class, () -> custody.access().issueToken(
                crowded.id(), "one too many", EnumSet.of(Role.READER), null, TESTER));
        assertEquals(CustodyException.Failure.TOKEN_LIMIT_REACHED, refused.failure());
        custody.access().revokeToken(crowded.id(), issued.getFirst().id(), TESTER);
        assertTrue(custody.access().authenticate(custody.access().issueToken(crowded.id(), "room again",
                EnumSet.of(Role.READER), null, TESTER).secret()).isPresent());
    }

    @Test
    void destroy_erasesTheMaterial_keepsTheMetadata_andIsRefusedWhileActive() {
        KmipCaller caller = callerOnNewAdapter();
        UUID id = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        custody.objects().transition(caller, id, LifecycleEvent.ACTIVATE, null, null, null);
        CustodyException refused = assertThrows(CustodyException.class,
                () -> custody.objects().transition(caller, id, LifecycleEvent.DESTROY, null, null, null));
        assertEquals(CustodyException.Failure.STATE_FORBIDS, refused.failure());
        KmipObject revoked = custody.objects().transition(caller, id, LifecycleEvent.REVOKE_OTHER, 5, "superseded",
                null);
        assertEquals(ObjectState.DEACTIVATED, revoked.state());
        assertEquals(5, revoked.revocationReason());
        KmipObject destroyed = custody.objects().transition(caller, id, LifecycleEvent.DESTROY, null, null, null);
        assertEquals(ObjectState.DESTROYED, destroyed.state());
        assertEquals(caller.certificateId(), destroyed.destroyedByCertificateId());
        assertEquals(CustodyException.Failure.OBJECT_DESTROYED, assertThrows(CustodyException.class,
                () -> custody.objects().openMaterial(caller, id)).failure());
        assertEquals(id, custody.objects().get(caller, id).id(), "metadata is kept");
        Integer sealed = database.dsl().fetchCount(Tables.KMIP_OBJECTS,
                Tables.KMIP_OBJECTS.ID.eq(id)
                        .and(Tables.KMIP_OBJECTS.SEALED_MATERIAL.isNotNull()));
        assertEquals(0, sealed, "the sealed blob is gone from the database");
    }

    @Test
    void compromise_keepsTheOccurrenceDate_orUsesTheInitialDate() {
        KmipCaller caller = callerOnNewAdapter();
        KmipObject key = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12);
        KmipObject compromised = custody.objects().transition(caller, key.id(), LifecycleEvent.REVOKE_COMPROMISED,
                2, null, null);
        assertEquals(ObjectState.COMPROMISED, compromised.state());
        assertEquals(key.createdAt(), compromised.compromiseOccurrenceDate());
        assertTrue(compromised.compromiseDate() != null);
    }

    @Test
    void firstOpen_clearsFresh() {
        KmipCaller caller = callerOnNewAdapter();
        KmipObject key = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 128, 12);
        assertTrue(key.fresh());
        try (ObjectMaterial opened = custody.objects().openMaterial(caller, key.id())) {
            assertFalse(opened.object().fresh());
        }
        assertFalse(custody.objects().get(caller, key.id()).fresh());
    }

    @Test
    void concurrentFirstOpens_shareCommits_andEachKeyIsReleasedAndRecordedOnce() throws Exception {
        KmipCaller caller = callerOnNewAdapter();
        List<UUID> keys = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            keys.add(custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id());
        }
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> opened = new ArrayList<>();
            for (UUID key : keys) {
                // Each key twice at once: the second open must not release it as Fresh again.
                for (int twice = 0; twice < 2; twice++) {
                    opened.add(threads.submit(() -> {
                        try (ObjectMaterial material = custody.objects().openMaterial(caller, key)) {
                            return material.material().length() == 32;
                        }
                    }));
                }
            }
            for (Future<Boolean> open : opened) {
                assertTrue(open.get());
            }
        }
        for (UUID key : keys) {
            assertFalse(custody.objects().get(caller, key).fresh());
            assertEquals(2, database.dsl().fetchCount(Tables.AUDIT_EVENTS, Tables.AUDIT_EVENTS.TARGET
                    .eq(key.toString()).and(Tables.AUDIT_EVENTS.ACTION.eq("kmip.get"))), "each open recorded once");
        }
    }

    @Test
    void attributes_getNextIndexes_singleInstancesAndUniqueValuesAreEnforced() {
        KmipCaller caller = callerOnNewAdapter();
        ObjectAttribute name = new ObjectAttribute("Name", 0, new byte[] {1}, "backup-key");
        UUID first = custody.objects().createSymmetricKey(caller, new NewSymmetricKey(KmipObjects.AES, 256, 12, null,
                null, List.of(name))).id();
        UUID second = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        assertEquals(CustodyException.Failure.ATTRIBUTE_VALUE_TAKEN, assertThrows(CustodyException.class,
                () -> custody.objects().addAttribute(caller, second, name, false)).failure());
        ObjectAttribute custom = new ObjectAttribute("x-Product", 0, new byte[] {7}, null);
        assertEquals(0, custody.objects().addAttribute(caller, first, custom, false));
        assertEquals(1, custody.objects().addAttribute(caller, first, custom, false));
        assertEquals(CustodyException.Failure.ATTRIBUTE_ALREADY_SET, assertThrows(CustodyException.class,
                () -> custody.objects().addAttribute(caller, first, custom, true)).failure());
        assertEquals(3, custody.objects().describe(caller, first).attributes().size());

        Page<UUID> byName = custody.objects().locate(caller, new LocateQuery(null, null, null, null, null, null, null,
                null, Map.of(), List.of(new LocateQuery.AttributeMatch("Name", new byte[] {1})),
                LocateQuery.Storage.ON_LINE, null, 0));
        assertEquals(List.of(first), byName.items());

        custody.objects().transition(caller, first, LifecycleEvent.DESTROY, null, null, null);
        assertEquals(0, custody.objects().locate(caller, new LocateQuery(first, null, null, null, null, null, null,
                null, Map.of(), List.of(), LocateQuery.Storage.ON_LINE, null, 0)).total(),
                "destroyed objects are not found");
        assertEquals(0, custody.objects().addAttribute(caller, second, name, false),
                "a destroyed object's name is free again");
    }

    @Test
    void concurrentCreates_sharingCommits_claimAName_once_andTheOthersAreStoredWhole() throws Exception {
        KmipCaller caller = callerOnNewAdapter();
        int creates = 24;
        List<Callable<UUID>> work = new ArrayList<>();
        for (int i = 0; i < creates; i++) {
            // Every third claims one Name; the others are plain keys that must not suffer from those refusals.
            List<ObjectAttribute> attributes = i % 3 == 0
                    ? List.of(new ObjectAttribute("Name", 0, new byte[] {2}, "one-name")) : List.of();
            work.add(() -> custody.objects().createSymmetricKey(caller, new NewSymmetricKey(KmipObjects.AES, 256, 12,
                    null, null, attributes)).id());
        }
        int named = 0;
        int refused = 0;
        List<UUID> stored = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<UUID>> results = threads.invokeAll(work);
            for (int i = 0; i < creates; i++) {
                try {
                    stored.add(results.get(i).get());
                    named += i % 3 == 0 ? 1 : 0;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertEquals(CustodyException.Failure.ATTRIBUTE_VALUE_TAKEN,
                            ((CustodyException) e.getCause()).failure(), "only a second claim of the Name fails");
                    refused++;
                }
            }
        }
        assertEquals(1, named, "exactly one Create holds the Name");
        assertEquals(creates / 3 - 1, refused);
        for (UUID id : stored) {
            try (ObjectMaterial key = custody.objects().openMaterial(caller, id)) {
                assertEquals(32, key.material().length(), "every acknowledged key is stored and opens");
            }
            assertEquals(2, custody.audit().countFor(id.toString()), "its Create's event and this Get's");
        }
        assertEquals(stored.size(), custody.objects().locate(caller, new LocateQuery(null, null, null, null, null, null,
                null, null, Map.of(), List.of(), LocateQuery.Storage.ON_LINE, null, 0)).total(),
                "nothing refused was stored");
    }

    @Test
    void limits_200AdaptersPerInstance_200CertificatesPerAdapter() {
        Instance crowded = custody.access().createInstance("crowded", TESTER);
        RootKey root = custody.rootKeys().create(crowded.id(), "crowded-root", null, TESTER);
        for (int i = 0; i < KmipAdapters.MAX_ADAPTERS_PER_INSTANCE; i++) {
            custody.adapters().create(crowded.id(), null, null, KmipAdapter.NATIVE_PROFILE, root.id().toString(),
                    TESTER);
        }
        assertEquals(CustodyException.Failure.ADAPTER_LIMIT_REACHED, assertThrows(CustodyException.class,
                () -> custody.adapters().create(crowded.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                        root.id().toString(), TESTER)).failure());

        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        for (int i = 0; i < ClientCertificates.MAX_CERTIFICATES_PER_ADAPTER; i++) {
            custody.certificates().add(instance.id(), adapter.name(), null, TestCertificates.clientPem("c" + i),
                    TESTER);
        }
        assertEquals(CustodyException.Failure.CERTIFICATE_LIMIT_REACHED, assertThrows(CustodyException.class,
                () -> custody.certificates().add(instance.id(), adapter.name(), null,
                        TestCertificates.clientPem("one too many"), TESTER)).failure());
    }

    @Test
    void listObjects_filtersByStateAndPages() {
        KmipCaller caller = callerOnNewAdapter();
        for (int i = 0; i < 3; i++) {
            custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12);
        }
        Page<KmipObject> page = custody.objects().list(instance.id(), caller.adapterId().toString(),
                EnumSet.of(ObjectState.PRE_ACTIVE), 2, 0);
        assertEquals(2, page.items().size());
        assertEquals(3, page.total());
        assertNotEquals(page.items().get(0).id(), page.items().get(1).id());
        assertEquals(0, custody.objects().list(instance.id(), caller.adapterId().toString(),
                EnumSet.of(ObjectState.ACTIVE), 10, 0).total());
    }
}
