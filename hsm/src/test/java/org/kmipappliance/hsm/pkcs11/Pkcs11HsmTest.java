package org.kmipappliance.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.GeneratedKeyPair;
import org.kmipappliance.hsm.HsmKeyMissingException;
import org.kmipappliance.hsm.SealedKeyIntegrityException;
import org.kmipappliance.hsm.SecretBytes;
import org.kmipappliance.hsm.testing.TestHsm;

class Pkcs11HsmTest {
    private static Pkcs11Hsm hsm;
    private static final byte[] AAD = "kmip-object:x|root-key:y|version:1".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void openToken() {
        hsm = TestHsm.hsm();
    }

    private static String newRootKey() {
        String label = "test-root-" + UUID.randomUUID();
        hsm.createRootKey(label);
        return label;
    }

    @Test
    void sealThenOpen_returnsTheSameBytes() {
        String root = newRootKey();
        try (SecretBytes key = hsm.generateDataKey(256)) {
            byte[] expected = key.reveal().clone();
            byte[] blob = hsm.seal(root, AAD, key);
            assertEquals(12 + 32 + 16, blob.length);
            try (SecretBytes opened = hsm.open(root, AAD, blob)) {
                assertArrayEquals(expected, opened.reveal());
            }
        }
    }

    @Test
    void generateDataKey_givesDistinctKeysOfTheAskedLength() {
        try (SecretBytes a = hsm.generateDataKey(128); SecretBytes b = hsm.generateDataKey(128)) {
            assertEquals(16, a.length());
            assertFalse(a.sameAs(b));
        }
    }

    @Test
    void open_withOtherAssociatedData_fails() {
        String root = newRootKey();
        byte[] blob;
        try (SecretBytes key = hsm.generateDataKey(256)) {
            blob = hsm.seal(root, AAD, key);
        }
        byte[] otherObject = "kmip-object:z|root-key:y|version:1".getBytes(StandardCharsets.UTF_8);
        assertThrows(SealedKeyIntegrityException.class, () -> hsm.open(root, otherObject, blob));
    }

    @Test
    void open_tamperedBlob_fails() {
        String root = newRootKey();
        byte[] blob;
        try (SecretBytes key = hsm.generateDataKey(256)) {
            blob = hsm.seal(root, AAD, key);
        }
        blob[20] ^= 1;
        assertThrows(SealedKeyIntegrityException.class, () -> hsm.open(root, AAD, blob));
        assertThrows(SealedKeyIntegrityException.class, () -> hsm.open(root, AAD, Arrays.copyOf(blob, 20)),
                "a truncated blob");
    }

    @Test
    void open_underAnotherRootKey_fails() {
        String root = newRootKey();
        String other = newRootKey();
        byte[] blob;
        try (SecretBytes key = hsm.generateDataKey(256)) {
            blob = hsm.seal(root, AAD, key);
        }
        assertThrows(SealedKeyIntegrityException.class, () -> hsm.open(other, AAD, blob));
    }

    @Test
    void destroyedRootKey_cannotOpenAnythingAgain() {
        String root = newRootKey();
        byte[] blob;
        try (SecretBytes key = hsm.generateDataKey(256)) {
            blob = hsm.seal(root, AAD, key);
        }
        hsm.destroyRootKey(root);
        assertFalse(hsm.containsRootKey(root));
        assertThrows(HsmKeyMissingException.class, () -> hsm.open(root, AAD, blob));
        hsm.destroyRootKey(root);
        assertFalse(hsm.containsRootKey(root), "destroying what is gone already is harmless");
    }

    /**
     * Seen through a separate provider logged in to the same token, as any PKCS#11 application would: the root key
     * is a token object whose value the HSM will not give out, neither in clear nor wrapped.
     */
    /** Files under the token directory: SoftHSM2 keeps each token object in one. */
    private static long tokenFiles() throws Exception {
        try (var files = Files.walk(TestHsm.directory())) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void generateKeyPair_releasesThePrivateKeyOnce_andLeavesNothingOnTheToken() throws Exception {
        long before = tokenFiles();
        for (String[] spec : new String[][] {{"RSA", "2048", "SHA256withRSA"}, {"EC", "256", "SHA256withECDSA"},
                {"EC", "521", "SHA512withECDSA"}}) {
            try (GeneratedKeyPair pair = hsm.generateKeyPair(spec[0], Integer.parseInt(spec[1]))) {
                PublicKey publicKey = KeyFactory.getInstance(spec[0]).generatePublic(new X509EncodedKeySpec(
                        pair.publicKeyX509()));
                PrivateKey privateKey = KeyFactory.getInstance(spec[0]).generatePrivate(new PKCS8EncodedKeySpec(
                        pair.privateKeyPkcs8().reveal()));
                Signature signer = Signature.getInstance(spec[2]);
                signer.initSign(privateKey);
                signer.update(AAD);
                byte[] signature = signer.sign();
                Signature verifier = Signature.getInstance(spec[2]);
                verifier.initVerify(publicKey);
                verifier.update(AAD);
                assertTrue(verifier.verify(signature), spec[0] + "-" + spec[1] + ": the halves are one pair");
                assertFalse(pair.toString().contains(HexFormat.of().formatHex(pair.privateKeyPkcs8().reveal())));
            }
        }
        assertEquals(before, tokenFiles(), "key pairs are session objects: the token keeps none of them");
        assertThrows(IllegalArgumentException.class, () -> hsm.generateKeyPair("RSA", 1024));
        assertThrows(IllegalArgumentException.class, () -> hsm.generateKeyPair("EC", 255));
        assertThrows(IllegalArgumentException.class, () -> hsm.generateKeyPair("DSA", 2048));
    }

    @Test
    void rootKey_isSensitiveAndNotExtractable() throws Exception {
        String root = newRootKey();
        HsmConfig config = TestHsm.config();
        Provider probe = Security.getProvider("SunPKCS11").configure("--name = ExtractionProbe\nlibrary = "
                + config.library() + "\n" + config.slotSelection() + "\n");
        KeyStore keyStore = KeyStore.getInstance("PKCS11", probe);
        keyStore.load(null, config.readPin());
        Key rootKey = keyStore.getKey(root, null);
        assertNotNull(rootKey, "the root key is a token object that a new session finds by its label");
        assertNull(rootKey.getEncoded(), "the JVM cannot read the root key's bytes");
        assertTrue(rootKey.toString().contains("sensitive"), rootKey.toString());
        assertTrue(rootKey.toString().contains("unextractable"), rootKey.toString());

        SecretKeyFactory factory = SecretKeyFactory.getInstance("AES", probe);
        assertThrows(GeneralSecurityException.class,
                () -> factory.getKeySpec((SecretKey) rootKey, SecretKeySpec.class),
                "the HSM will not export the root key's value");
    }

    @Test
    void rootKeyAndBlob_surviveARestartOfTheJvm() throws Exception {
        String root = newRootKey();
        byte[] blob;
        byte[] expected;
        try (SecretBytes key = hsm.generateDataKey(256)) {
            expected = key.reveal().clone();
            blob = hsm.seal(root, AAD, key);
        }
        Path output = Files.createTempFile("opened", ".hex");
        assertEquals(0, runInFreshJvm(OpenInAnotherJvm.class, root, Base64.getEncoder().encodeToString(AAD),
                Base64.getEncoder().encodeToString(blob), output.toString()), "the second JVM opened the blob");
        assertEquals(HexFormat.of().formatHex(expected), Files.readString(output).strip());
        Files.delete(output);
    }

    @Test
    void rootKeyCreatedByAnotherProcess_isUsableWithoutARestart() throws Exception {
        String label = "created-elsewhere-" + UUID.randomUUID();
        assertEquals(0, runInFreshJvm(CreateInAnotherJvm.class, label), "the other JVM created the key");
        assertTrue(hsm.containsRootKey(label));
        try (SecretBytes key = hsm.generateDataKey(128)) {
            byte[] blob = hsm.seal(label, AAD, key);
            try (SecretBytes opened = hsm.open(label, AAD, blob)) {
                assertTrue(opened.sameAs(key));
            }
        }
    }

    /** Creates a root key on the test token from another process. */
    public static final class CreateInAnotherJvm {
        public static void main(String[] args) {
            try (Pkcs11Hsm other = Pkcs11Hsm.open(TestHsm.config())) {
                other.createRootKey(args[0]);
            }
        }
    }

    /** Runs {@code main} in a new JVM on the test class path: a PKCS#11 login lasts as long as its process. */
    private static int runInFreshJvm(Class<?> main, String... args) throws Exception {
        String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBinary));
        command.addAll(TestHsm.childJvmOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the second JVM finished");
        return process.exitValue();
    }

    /** The second JVM of {@link #rootKeyAndBlob_surviveARestartOfTheJvm}. */
    public static final class OpenInAnotherJvm {
        public static void main(String[] args) throws Exception {
            try (Pkcs11Hsm reopened = Pkcs11Hsm.open(TestHsm.config());
                 SecretBytes key = reopened.open(args[0], Base64.getDecoder().decode(args[1]),
                         Base64.getDecoder().decode(args[2]))) {
                Files.writeString(new File(args[3]).toPath(), HexFormat.of().formatHex(key.reveal()));
            }
        }
    }

    @Test
    void open_wrongPin_failsWithAnOperatorMessage() throws Exception {
        Path pinFile = Files.createTempFile("wrong-pin", "");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(pinFile, "0000");
        Path message = Files.createTempFile("wrong-pin", ".txt");
        assertEquals(3, runInFreshJvm(OpenWithPinFile.class, pinFile.toString(), message.toString()));
        assertTrue(Files.readString(message).contains("refused the login"), Files.readString(message));
        Files.delete(pinFile);
        Files.delete(message);
    }

    /** Opens the test token with another PIN file; exits 3 with the error message when that is refused. */
    public static final class OpenWithPinFile {
        public static void main(String[] args) throws Exception {
            HsmConfig config = TestHsm.config();
            try (Pkcs11Hsm opened = Pkcs11Hsm.open(new HsmConfig(config.library(), config.slot(), 0,
                    Path.of(args[0]), null))) {
                System.exit(0);
            } catch (HsmConfigurationException e) {
                Files.writeString(Path.of(args[1]), e.getMessage());
                System.exit(3);
            }
        }
    }

    @Test
    void open_missingLibrary_saysWhatToInstall() {
        HsmConfig config = TestHsm.config();
        HsmConfig broken = new HsmConfig(Path.of("/nonexistent/libsofthsm2.so"), config.slot(), 0,
                config.pinFile(), null);
        HsmConfigurationException e = assertThrows(HsmConfigurationException.class, () -> Pkcs11Hsm.open(broken));
        assertTrue(e.getMessage().contains("apt-get install softhsm2"), e.getMessage());
    }

    @Test
    void open_tokenThatIsNotThere_saysWhatToCheck() throws Exception {
        Path message = Files.createTempFile("missing-token", ".txt");
        assertEquals(3, runInFreshJvm(OpenMissingSlot.class, message.toString()));
        String text = Files.readString(message);
        assertTrue(text.contains("cannot open the HSM token") && text.contains("initialised"), text);
        Files.delete(message);
    }

    /** Opens a slot no token is in; exits 3 with the error message. */
    public static final class OpenMissingSlot {
        public static void main(String[] args) throws Exception {
            HsmConfig config = TestHsm.config();
            try (Pkcs11Hsm opened = Pkcs11Hsm.open(new HsmConfig(config.library(), 987_654_321L, 0,
                    config.pinFile(), null))) {
                System.exit(0);
            } catch (HsmConfigurationException e) {
                Files.writeString(Path.of(args[0]), e.getMessage());
                System.exit(3);
            }
        }
    }

    @Test
    void pinFileReadableByOthers_isRefused() throws Exception {
        Path pinFile = Files.createTempFile("open-pin", "");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(pinFile, "1234");
        HsmConfig config = new HsmConfig(TestHsm.config().library(), null, 0, pinFile, null);
        HsmConfigurationException e = assertThrows(HsmConfigurationException.class, config::readPin);
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Files.delete(pinFile);
    }

    @Test
    void twoKeysWithOneLabel_areReportedAsSuch_notAsAWrongPin() throws Exception {
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "softhsm-duplicate-" + UUID.randomUUID());
        Files.createDirectories(directory);
        Path message = directory.resolve("message.txt");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), DuplicateLabelInAnotherJvm.class.getName(),
                directory.toString(), message.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmToken.configFile(directory).toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(3, process.exitValue(), output);
        String text = Files.readString(message);
        assertTrue(text.contains("keys cannot be listed") && text.contains("--delete-object"), text);
        assertFalse(text.contains("refused the login"), text);
    }

    /**
     * On a token of its own: two key stores that listed the token before either stored a key each store one under
     * the same label (what two nodes racing used to do), then the appliance opens the token. Exits 3 with the
     * message.
     */
    public static final class DuplicateLabelInAnotherJvm {
        public static void main(String[] args) throws Exception {
            HsmConfig config = SoftHsmToken.provision(Path.of(args[0]), "duplicate-test");
            List<KeyStore> stores = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Provider provider = Security.getProvider("SunPKCS11").configure("--name = Duplicate" + i
                        + "\nlibrary = " + config.library() + "\n" + config.slotSelection() + "\n");
                KeyStore store = KeyStore.getInstance("PKCS11", provider);
                store.load(null, config.readPin());
                stores.add(store);
            }
            for (KeyStore store : stores) {
                javax.crypto.KeyGenerator generator = javax.crypto.KeyGenerator.getInstance("AES",
                        store.getProvider());
                generator.init(256);
                try {
                    store.setEntry("same-label", new KeyStore.SecretKeyEntry(generator.generateKey()), null);
                } catch (java.security.KeyStoreException e) {
                    // the second store notices, after writing, that the label was taken meanwhile
                }
            }
            try (Pkcs11Hsm opened = Pkcs11Hsm.open(config)) {
                System.exit(0);
            } catch (HsmConfigurationException e) {
                Files.writeString(Path.of(args[1]), e.getMessage());
                System.exit(3);
            }
        }
    }
}
