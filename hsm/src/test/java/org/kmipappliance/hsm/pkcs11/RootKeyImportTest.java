package org.kmipappliance.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.ImportWrapping;
import org.kmipappliance.hsm.ImportedKeyRejectedException;
import org.kmipappliance.hsm.SecretBytes;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * Root-key material brought in: wrapped under a transport key and unwrapped by the HSM (RSA-OAEP), or handed in
 * plain. Each imported version must be the very key the client holds (a blob the HSM seals under it opens with the
 * client's copy), and the HSM must keep it as it keeps generated versions: sensitive, never extractable.
 */
class RootKeyImportTest {
    private static final byte[] AAD = "kmip-object:x|root-key:y|version:1".getBytes(StandardCharsets.UTF_8);
    private static Pkcs11Hsm hsm;
    private static Cryptoki cryptoki;
    private static String transport;
    private static PublicKey transportKey;

    @BeforeAll
    static void makeTransportKey() throws GeneralSecurityException {
        hsm = TestHsm.hsm();
        cryptoki = Cryptoki.bind(TestHsm.config());
        transport = "transport-" + UUID.randomUUID();
        transportKey = KeyFactory.getInstance("RSA").generatePublic(
                new X509EncodedKeySpec(hsm.createTransportKey(transport)));
    }

    private static byte[] material(int bytes) {
        byte[] key = new byte[bytes];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** What Key Protect's clients do (the Go client's rsa.EncryptOAEP): one hash for the digest and MGF1. */
    private static byte[] wrap(byte[] material, String hash) throws GeneralSecurityException {
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.ENCRYPT_MODE, transportKey, new OAEPParameterSpec(hash, "MGF1",
                hash.equals("SHA-1") ? MGF1ParameterSpec.SHA1 : MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        return oaep.doFinal(material);
    }

    /** Seals under the HSM's version {@code label} and opens with the client's copy of the key. */
    private static void assertHsmHolds(String label, byte[] material) throws GeneralSecurityException {
        byte[] secret = material(32);
        byte[] blob;
        try (SecretBytes plaintext = SecretBytes.copyOf(secret)) {
            blob = hsm.seal(label, AAD, plaintext);
        }
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, blob, 0, 12));
        gcm.updateAAD(AAD);
        assertArrayEquals(secret, gcm.doFinal(blob, 12, blob.length - 12));
    }

    @Test
    void transportKey_isRsa4096_andItsPrivateHalfOnlyUnwraps() {
        assertEquals(4096, ((RSAPublicKey) transportKey).getModulus().bitLength());
        Map<Long, Boolean> flags = cryptoki.flags(Cryptoki.CKO_PRIVATE_KEY, transport, Cryptoki.CKA_TOKEN,
                Cryptoki.CKA_SENSITIVE, Cryptoki.CKA_EXTRACTABLE, Cryptoki.CKA_UNWRAP, Cryptoki.CKA_DECRYPT,
                Cryptoki.CKA_SIGN);
        assertEquals(Map.of(Cryptoki.CKA_TOKEN, true, Cryptoki.CKA_SENSITIVE, true, Cryptoki.CKA_EXTRACTABLE, false,
                Cryptoki.CKA_UNWRAP, true, Cryptoki.CKA_DECRYPT, false, Cryptoki.CKA_SIGN, false), flags);
        // SunPKCS11's key store lists secret keys only: a transport key is never taken for a root-key version.
        assertFalse(hsm.rootKeyLabels().contains(transport));
    }

    @Test
    void wrappedMaterial_becomesARootKeyVersion_theHsmCannotRelease() throws GeneralSecurityException {
        for (int bytes : new int[] {16, 24, 32}) {
            byte[] material = material(bytes);
            String label = "imported-" + UUID.randomUUID();
            OptionalInt bits = hsm.importRootKey(label, transport, ImportWrapping.RSAES_OAEP_SHA_1,
                    wrap(material, "SHA-1"));
            assertTrue(bits.isEmpty() || bits.getAsInt() == bytes * 8, bits.toString());
            assertTrue(hsm.rootKeyLabels().contains(label));
            assertHsmHolds(label, material);
            assertEquals(Map.of(Cryptoki.CKA_SENSITIVE, true, Cryptoki.CKA_EXTRACTABLE, false,
                    Cryptoki.CKA_WRAP, false, Cryptoki.CKA_UNWRAP, false), cryptoki.flags(Cryptoki.CKO_SECRET_KEY,
                    label, Cryptoki.CKA_SENSITIVE, Cryptoki.CKA_EXTRACTABLE, Cryptoki.CKA_WRAP,
                    Cryptoki.CKA_UNWRAP));
        }
    }

    /**
     * Key Protect's default wrapping. SoftHSM2 unwraps RSA-OAEP with SHA-1 only, so on it the import is refused
     * with what to send instead; an HSM that unwraps SHA-256 (run with -Dhsm.library=...) must import the key.
     */
    @Test
    void sha256Wrapping_isImported_orRefusedWithWhatToSendInstead() throws GeneralSecurityException {
        byte[] material = material(32);
        String label = "imported-" + UUID.randomUUID();
        byte[] wrapped = wrap(material, "SHA-256");
        if (TestHsm.config().library().toString().contains("softhsm")) {
            ImportedKeyRejectedException refused = assertThrows(ImportedKeyRejectedException.class,
                    () -> hsm.importRootKey(label, transport, ImportWrapping.RSAES_OAEP_SHA_256, wrapped));
            assertEquals(ImportedKeyRejectedException.Reason.WRAPPING_UNSUPPORTED, refused.reason());
            assertTrue(refused.getMessage().contains("wrap the key material with RSAES_OAEP_SHA_1"),
                    refused.getMessage());
            assertFalse(cryptoki.contains(Cryptoki.CKO_SECRET_KEY, label));
        } else {
            hsm.importRootKey(label, transport, ImportWrapping.RSAES_OAEP_SHA_256, wrapped);
            assertHsmHolds(label, material);
        }
    }

    @Test
    void aWrappingThatDoesNotOpen_isRefused_andLeavesNothing() throws GeneralSecurityException {
        String label = "imported-" + UUID.randomUUID();
        byte[] otherKeysWrapping = wrap(material(32), "SHA-1");
        otherKeysWrapping[10] ^= 1;
        ImportedKeyRejectedException refused = assertThrows(ImportedKeyRejectedException.class,
                () -> hsm.importRootKey(label, transport, ImportWrapping.RSAES_OAEP_SHA_1, otherKeysWrapping));
        assertEquals(ImportedKeyRejectedException.Reason.PAYLOAD, refused.reason());
        assertTrue(refused.getMessage().contains("RSA-OAEP with SHA-1"), refused.getMessage());
        byte[] truncated = Arrays.copyOf(otherKeysWrapping, 100);
        assertThrows(ImportedKeyRejectedException.class,
                () -> hsm.importRootKey(label, transport, ImportWrapping.RSAES_OAEP_SHA_1, truncated));
        assertFalse(cryptoki.contains(Cryptoki.CKO_SECRET_KEY, label));
    }

    @Test
    void materialOfAnotherLength_isRefused_andLeavesNothing() throws GeneralSecurityException {
        String label = "imported-" + UUID.randomUUID();
        byte[] wrapped = wrap(material(20), "SHA-1");
        ImportedKeyRejectedException refused = assertThrows(ImportedKeyRejectedException.class,
                () -> hsm.importRootKey(label, transport, ImportWrapping.RSAES_OAEP_SHA_1, wrapped));
        assertTrue(refused.getMessage().contains("128, 192 or 256 bits"), refused.getMessage());
        assertFalse(cryptoki.contains(Cryptoki.CKO_SECRET_KEY, label));
        try (SecretBytes plain = SecretBytes.copyOf(material(33))) {
            assertThrows(ImportedKeyRejectedException.class, () -> hsm.importRootKey(label, plain));
        }
        assertFalse(cryptoki.contains(Cryptoki.CKO_SECRET_KEY, label));
    }

    @Test
    void plainMaterial_becomesARootKeyVersion() throws GeneralSecurityException {
        byte[] material = material(32);
        String label = "imported-" + UUID.randomUUID();
        try (SecretBytes plain = SecretBytes.copyOf(material)) {
            hsm.importRootKey(label, plain);
        }
        assertHsmHolds(label, material);
        assertEquals(Map.of(Cryptoki.CKA_SENSITIVE, true, Cryptoki.CKA_EXTRACTABLE, false),
                cryptoki.flags(Cryptoki.CKO_SECRET_KEY, label, Cryptoki.CKA_SENSITIVE, Cryptoki.CKA_EXTRACTABLE));
    }

    @Test
    void aDestroyedTransportKey_unwrapsNothing() throws GeneralSecurityException {
        String gone = "transport-" + UUID.randomUUID();
        PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(
                new X509EncodedKeySpec(hsm.createTransportKey(gone)));
        hsm.destroyTransportKey(gone);
        assertFalse(cryptoki.contains(Cryptoki.CKO_PRIVATE_KEY, gone));
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.ENCRYPT_MODE, publicKey, new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1,
                PSource.PSpecified.DEFAULT));
        byte[] wrapped = oaep.doFinal(material(32));
        ImportedKeyRejectedException refused = assertThrows(ImportedKeyRejectedException.class,
                () -> hsm.importRootKey("imported-" + UUID.randomUUID(), gone, ImportWrapping.RSAES_OAEP_SHA_1,
                        wrapped));
        assertEquals(ImportedKeyRejectedException.Reason.TOKEN, refused.reason());
    }
}
