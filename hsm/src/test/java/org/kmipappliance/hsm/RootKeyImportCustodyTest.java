package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.IMPORT_TOKENS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEYS;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.MutableClock;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/**
 * Bring your own key through custody: import tokens (lifetime, retrievals, supersession, sweep), root keys made from
 * the customer's wrapped material and checked by their nonce, the rotation rules of imported keys, and the KMIP keys
 * under an imported key surviving its rotation. Key material must never reach the database.
 */
class RootKeyImportCustodyTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static Instance instance;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.NONE);
        instance = custody.access().createInstance("imports", TESTER);
    }

    @AfterAll
    static void stop() {
        custody.close();
        database.close();
    }

    private static byte[] material() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** What Key Protect's clients send: the material under the token's public key, the nonce under the material. */
    static ImportedMaterial.Wrapped wrap(ImportTokens.TransportKey token, byte[] material)
            throws GeneralSecurityException {
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.ENCRYPT_MODE, KeyFactory.getInstance("RSA").generatePublic(
                new X509EncodedKeySpec(token.publicKey())), new OAEPParameterSpec("SHA-1", "MGF1",
                MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, iv));
        return new ImportedMaterial.Wrapped(oaep.doFinal(material), gcm.doFinal(token.nonce()), iv,
                ImportWrapping.RSAES_OAEP_SHA_1);
    }

    private static ImportTokens.TransportKey newToken(KeyCustody custody, int retrievals) {
        custody.importTokens().create(instance.id(), Duration.ofMinutes(10), retrievals, TESTER);
        return custody.importTokens().retrieve(instance.id(), TESTER);
    }

    /** The HSM seals under the version and the customer's copy of the material opens it. */
    private static void assertVersionHolds(UUID rootKeyId, int version, byte[] material)
            throws GeneralSecurityException {
        byte[] aad = "check".getBytes(StandardCharsets.UTF_8);
        byte[] secret = material();
        byte[] blob;
        try (SecretBytes plaintext = SecretBytes.copyOf(secret)) {
            blob = TestHsm.hsm().seal(custody.rootKeys().hsmLabel(rootKeyId, version), aad, plaintext);
        }
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, blob, 0, 12));
        gcm.updateAAD(aad);
        assertArrayEquals(secret, gcm.doFinal(blob, 12, blob.length - 12));
    }

    /** No 8-byte window of the material, in hex or base64, in any custody table or the audit trail. */
    private static void assertNotInTheDatabase(byte[] material) {
        assertFalse(inTheDatabase(material), "key material in the database");
    }

    private static boolean inTheDatabase(byte[] material) {
        StringBuilder rows = new StringBuilder();
        for (String table : List.of("root_keys", "root_key_versions", "import_tokens", "hsm_object_intents",
                "audit_events", "kmip_objects")) {
            rows.append(database.dsl().fetchValue("SELECT coalesce(string_agg(t::text, '|'), '') FROM " + table
                    + " t")).append('|');
        }
        String text = rows.toString().toLowerCase();
        String hex = HexFormat.of().formatHex(material);
        for (int i = 0; i + 16 <= hex.length(); i += 2) {
            if (text.contains(hex.substring(i, i + 16))) {
                return true;
            }
        }
        return rows.toString().contains(Base64.getEncoder().encodeToString(material).substring(0, 16));
    }

    @Test
    void anImportedKey_holdsTheCustomersMaterial_andItsKmipKeysSurviveItsRotation() throws Exception {
        ImportTokens.TransportKey token = newToken(custody, 2);
        byte[] first = material();
        RootKey key = custody.rootKeys().create(instance.id(), "imported", null, List.of(), null, false,
                wrap(token, first), TESTER);
        assertTrue(key.imported());
        assertVersionHolds(key.id(), 1, first);

        TestTenant tenant = TestTenant.onRootKey(custody, instance, key, "imported");
        Map<UUID, byte[]> kmipKeys = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            UUID id = custody.objects().createSymmetricKey(tenant.caller(), KmipObjects.AES, 256, 12).id();
            try (ObjectMaterial opened = custody.objects().openMaterial(tenant.caller(), id)) {
                kmipKeys.put(id, opened.material().reveal().clone());
            }
        }

        CustodyException generated = assertThrows(CustodyException.class,
                () -> custody.rootKeys().rotate(instance.id(), key.id().toString(), TESTER));
        assertEquals(CustodyException.Failure.ROOT_KEY_PAYLOAD_REQUIRED, generated.failure());

        byte[] second = material();
        ImportTokens.TransportKey again = custody.importTokens().retrieve(instance.id(), TESTER);
        assertEquals(0, again.token().remainingRetrievals());
        custody.rootKeys().rotate(instance.id(), key.id().toString(), wrap(again, second), TESTER);
        assertEquals(RootKeyRewrap.FINISHED, RootKeyLifecycleTest.awaitFinished(custody, key.id()).state());
        assertVersionHolds(key.id(), 2, second);
        for (Map.Entry<UUID, byte[]> kmipKey : kmipKeys.entrySet()) {
            try (ObjectMaterial opened = custody.objects().openMaterial(tenant.caller(), kmipKey.getKey())) {
                assertArrayEquals(kmipKey.getValue(), opened.material().reveal());
            }
        }
        assertTrue(inTheDatabase(again.nonce()), "the scan finds what is stored (the token's nonce)");
        assertNotInTheDatabase(first);
        assertNotInTheDatabase(second);
        kmipKeys.values().forEach(RootKeyImportCustodyTest::assertNotInTheDatabase);
    }

    @Test
    void aNonceEncryptedWithOtherMaterial_isRefused_andNothingIsLeft() throws Exception {
        ImportTokens.TransportKey token = newToken(custody, 1);
        ImportedMaterial.Wrapped honest = wrap(token, material());
        ImportedMaterial.Wrapped forged = new ImportedMaterial.Wrapped(honest.payload(),
                wrap(token, material()).encryptedNonce(), honest.iv(), honest.wrapping());
        int keysBefore = database.dsl().fetchCount(ROOT_KEYS);
        int hsmKeysBefore = TestHsm.hsm().rootKeyLabels().size();
        CustodyException refused = assertThrows(CustodyException.class, () -> custody.rootKeys().create(
                instance.id(), "forged", null, List.of(), null, false, forged, TESTER));
        assertEquals(CustodyException.Failure.IMPORT_NONCE_MISMATCH, refused.failure());
        assertEquals(keysBefore, database.dsl().fetchCount(ROOT_KEYS));
        assertEquals(hsmKeysBefore, TestHsm.hsm().rootKeyLabels().size(), "the unwrapped object is destroyed");
        assertTrue(custody.rootKeys().create(instance.id(), "honest", null, List.of(), null, false, honest, TESTER)
                .imported(), "the same token still imports the honest request");
    }

    @Test
    void aToken_isRetrievedAsOftenAsItAllows_withinItsBounds() {
        for (Duration lifetime : List.of(Duration.ofSeconds(299), Duration.ofSeconds(86_401))) {
            assertEquals(CustodyException.Failure.INVALID_FIELD, assertThrows(CustodyException.class,
                    () -> custody.importTokens().create(instance.id(), lifetime, 1, TESTER)).failure());
        }
        for (int retrievals : new int[] {0, 501}) {
            assertEquals(CustodyException.Failure.INVALID_FIELD, assertThrows(CustodyException.class,
                    () -> custody.importTokens().create(instance.id(), Duration.ofMinutes(5), retrievals, TESTER))
                    .failure());
        }
        ImportTokens.ImportToken created = custody.importTokens().create(instance.id(), Duration.ofMinutes(5), 2,
                TESTER);
        assertEquals(Duration.ofMinutes(5), Duration.between(created.createdAt(), created.expiresAt()));
        assertEquals(2, custody.importTokens().retrieve(instance.id(), TESTER).token().maxAllowedRetrievals());
        assertEquals(0, custody.importTokens().retrieve(instance.id(), TESTER).token().remainingRetrievals());
        assertEquals(CustodyException.Failure.IMPORT_TOKEN_EXHAUSTED, assertThrows(CustodyException.class,
                () -> custody.importTokens().retrieve(instance.id(), TESTER)).failure());
    }

    @Test
    void aNewToken_supersedesTheOld_whoseKeyNoLongerUnwraps() throws Exception {
        ImportTokens.TransportKey old = newToken(custody, 1);
        ImportedMaterial.Wrapped forOld = wrap(old, material());
        newToken(custody, 1);
        assertEquals(1, database.dsl().fetchCount(IMPORT_TOKENS, IMPORT_TOKENS.INSTANCE_ID.eq(instance.id())),
                "the superseded token's key was destroyed and its row forgotten");
        CustodyException refused = assertThrows(CustodyException.class, () -> custody.rootKeys().create(
                instance.id(), "stale", null, List.of(), null, false, forOld, TESTER));
        assertEquals(CustodyException.Failure.IMPORTED_KEY_REJECTED, refused.failure());
    }

    @Test
    void anExpiredToken_isNeitherRetrievedNorUsed_andTheSweepDestroysIt() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        try (KeyCustody timed = new KeyCustody(TestHsm.hsm(), database, clock, RootKeyPolicy.NONE)) {
            Instance tenant = timed.access().createInstance("expiring", TESTER);
            timed.importTokens().create(tenant.id(), Duration.ofMinutes(5), 2, TESTER);
            ImportTokens.TransportKey token = timed.importTokens().retrieve(tenant.id(), TESTER);
            clock.advance(Duration.ofMinutes(5));
            assertEquals(CustodyException.Failure.IMPORT_TOKEN_EXPIRED, assertThrows(CustodyException.class,
                    () -> timed.importTokens().retrieve(tenant.id(), TESTER)).failure());
            ImportedMaterial.Wrapped late = wrap(token, material());
            assertEquals(CustodyException.Failure.IMPORT_TOKEN_EXPIRED, assertThrows(CustodyException.class,
                    () -> timed.rootKeys().create(tenant.id(), "late", null, List.of(), null, false, late,
                            TESTER)).failure());
            timed.sweep();
            assertEquals(0, database.dsl().fetchCount(IMPORT_TOKENS, IMPORT_TOKENS.INSTANCE_ID.eq(tenant.id())));
            assertEquals(CustodyException.Failure.IMPORT_TOKEN_NOT_FOUND, assertThrows(CustodyException.class,
                    () -> timed.importTokens().retrieve(tenant.id(), TESTER)).failure());
        }
    }

    @Test
    void plainMaterial_isRefusedUnlessThePolicyAllowsIt() throws Exception {
        byte[] material = material();
        try (SecretBytes plain = SecretBytes.copyOf(material)) {
            CustodyException refused = assertThrows(CustodyException.class, () -> custody.rootKeys().create(
                    instance.id(), "plain", null, List.of(), null, false, new ImportedMaterial.Plain(plain), TESTER));
            assertEquals(CustodyException.Failure.PLAIN_IMPORT_DISABLED, refused.failure());
            assertTrue(refused.getMessage().contains("root-keys.allow-plain-import"), refused.getMessage());
        }
        try (KeyCustody allowing = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(),
                RootKeyPolicy.NONE.withPlainImport(true)); SecretBytes plain = SecretBytes.copyOf(material)) {
            RootKey key = allowing.rootKeys().create(instance.id(), "plain", null, List.of(), null, false,
                    new ImportedMaterial.Plain(plain), TESTER);
            assertTrue(key.imported());
            assertVersionHolds(key.id(), 1, material);
            assertNotInTheDatabase(material);
        }
    }

    @Test
    void aGeneratedKey_rotatesOnlyToGeneratedMaterial() throws Exception {
        RootKey generated = custody.rootKeys().create(instance.id(), "generated", null, TESTER);
        assertFalse(generated.imported());
        assertEquals(256, generated.bitLength());
        ImportedMaterial.Wrapped material = wrap(newToken(custody, 1), material());
        CustodyException refused = assertThrows(CustodyException.class, () -> custody.rootKeys().rotate(
                instance.id(), generated.id().toString(), material, TESTER));
        assertEquals(CustodyException.Failure.ROOT_KEY_PAYLOAD_NOT_ALLOWED, refused.failure());
        assertNull(custody.rewrap().latest(generated.id()).orElse(null), "nothing was rotated");
    }

    @Test
    void concurrentRetrievals_areCountedOnce_each() throws Exception {
        custody.importTokens().create(instance.id(), Duration.ofMinutes(5), 5, TESTER);
        List<Callable<Boolean>> callers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            callers.add(() -> {
                try {
                    custody.importTokens().retrieve(instance.id(), TESTER);
                    return true;
                } catch (CustodyException e) {
                    assertEquals(CustodyException.Failure.IMPORT_TOKEN_EXHAUSTED, e.failure());
                    return false;
                }
            });
        }
        int served = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (Future<Boolean> answer : pool.invokeAll(callers)) {
                served += answer.get() ? 1 : 0;
            }
        }
        assertEquals(5, served, "five retrievals allowed, five served, whatever the interleaving");
    }

    @Test
    void concurrentCreations_leaveOneCurrentToken_thatImports() throws Exception {
        List<Callable<Boolean>> creators = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            creators.add(() -> {
                try {
                    custody.importTokens().create(instance.id(), Duration.ofMinutes(5), 1, TESTER);
                    return true;
                } catch (CustodyException e) {
                    // Superseded while its pair was being made: its key was destroyed with it.
                    assertEquals(CustodyException.Failure.IMPORT_TOKEN_NOT_FOUND, e.failure());
                    return false;
                }
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (Future<Boolean> answer : pool.invokeAll(creators)) {
                answer.get();
            }
        }
        custody.sweep();
        assertEquals(1, database.dsl().fetchCount(IMPORT_TOKENS, IMPORT_TOKENS.INSTANCE_ID.eq(instance.id())),
                "one token left, the current one");
        byte[] material = material();
        RootKey key = custody.rootKeys().create(instance.id(), "after-race", null, List.of(), null, false,
                wrap(custody.importTokens().retrieve(instance.id(), TESTER), material), TESTER);
        assertVersionHolds(key.id(), 1, material);
    }
}
