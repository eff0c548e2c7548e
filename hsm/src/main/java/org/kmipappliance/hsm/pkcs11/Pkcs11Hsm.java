package org.kmipappliance.hsm.pkcs11;

import java.io.IOException;
import java.nio.file.Files;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.InvalidParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.security.auth.login.FailedLoginException;
import org.kmipappliance.hsm.GeneratedKeyPair;
import org.kmipappliance.hsm.Hsm;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.HsmKeyMissingException;
import org.kmipappliance.hsm.ImportWrapping;
import org.kmipappliance.hsm.ImportedKeyRejectedException;
import org.kmipappliance.hsm.SealedKeyIntegrityException;
import org.kmipappliance.hsm.SecretBytes;

/**
 * A PKCS#11 token reached through SunPKCS11: root keys live on it, KMIP keys are generated and sealed by it.
 *
 * <p>One SunPKCS11 provider instance, whose template makes every AES key it generates sensitive and non-extractable
 * with encrypt/decrypt as its only uses, holds the root keys and performs the sealing. A KMIP key is made of bytes
 * from the HSM's random generator: a KMIP key must eventually be handed to the client, so its bytes pass through the
 * JVM, only ever inside a {@link SecretBytes}, and every other buffer they pass through here is zeroed (a key
 * generated as a PKCS#11 object would leave its value cached inside SunPKCS11's key object, out of reach).
 *
 * <p>Sealing is AES-256-GCM done by the HSM with the root key (see docs/architecture.md for why not RFC 5649 key
 * wrap). A blob is {@code iv(12) || ciphertext || tag(16)}.
 *
 * <p>Thread-safe: SunPKCS11 keeps a pool of sessions and there is no lock around HSM calls here.
 */
public final class Pkcs11Hsm implements Hsm, AutoCloseable {
    /** The sealing mechanism stored beside each blob, so another mechanism can be added without a migration. */
    public static final String SEAL_MECHANISM = "AES-256-GCM/PKCS11";

    private static final int GCM_IV_BYTES = 12;
    private static final int GCM_TAG_BITS = 128;
    private static final int ROOT_KEY_BITS = 256;
    private static final int TRANSPORT_KEY_BITS = 4096;
    // Size-less transformation: SunPKCS11 reports keys loaded from its KeyStore as "32 bits" (CKA_VALUE_LEN
    // read as bits), which AES_256/... would refuse.
    private static final String SEAL_TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int MIN_RSA_BITS = 2048;
    private static final int MAX_RSA_BITS = 4096;
    private static final Map<Integer, String> EC_CURVES = Map.of(256, "secp256r1", 384, "secp384r1",
            521, "secp521r1");
    private static final AtomicInteger PROVIDER_SEQUENCE = new AtomicInteger();
    /** Listings tried when objects vanish under one (other nodes destroying versions). */
    private static final int LISTING_ATTEMPTS = 5;
    /** The token object the health check seals with; it protects nothing. */
    static final String HEALTH_PROBE_LABEL = "kmip-appliance-health-probe";

    /**
     * Bytes asked of the HSM's generator per KMIP key. SunPKCS11 serves requests of up to 32 bytes from an internal
     * buffer that keeps what it handed out (P11SecureRandom); larger ones are written straight into our array, which
     * we zero. The key takes the first 16 to 32 bytes.
     */
    private static final int RANDOM_REQUEST_BYTES = 64;

    private final Provider rootKeyProvider;
    private final KeyStore tokenKeys;
    private final SecureRandom hsmRandom;
    private final ConcurrentMap<String, SecretKey> rootKeyHandles = new ConcurrentHashMap<>();
    private final SecureRandom ivSource = new SecureRandom();
    private final HsmConfig config;
    /** Bound on the first import: a platform where JNA cannot load fails imports, never the appliance's start. */
    private Cryptoki cryptoki;

    private Pkcs11Hsm(Provider rootKeyProvider, KeyStore tokenKeys, SecureRandom hsmRandom, HsmConfig config) {
        this.rootKeyProvider = rootKeyProvider;
        this.tokenKeys = tokenKeys;
        this.hsmRandom = hsmRandom;
        this.config = config;
    }

    private synchronized Cryptoki cryptoki() {
        if (cryptoki == null) {
            try {
                cryptoki = Cryptoki.bind(config);
            } catch (LinkageError e) {
                // JNA's native part could not load (an architecture it does not ship, a temporary directory mounted
                // noexec): said once, as what an operator can change.
                throw new HsmException("importing root keys needs JNA's native library, which did not load: "
                        + e.getMessage() + "; give the appliance an executable temporary directory "
                        + "(-Djna.tmpdir=...) on a platform JNA supports", e);
            }
        }
        return cryptoki;
    }

    /** Opens the token and logs in; fails with a message that says what to fix. */
    public static Pkcs11Hsm open(HsmConfig config) {
        if (!Files.isReadable(config.library())) {
            throw new HsmConfigurationException("the PKCS#11 library " + config.library()
                    + " does not exist or cannot be read; install it (for SoftHSM2: apt-get install softhsm2) "
                    + "or point hsm.library at the right file");
        }
        int sequence = PROVIDER_SEQUENCE.incrementAndGet();
        Provider rootKeyProvider = configure(config, "KmipApplianceRootKeys" + sequence, """
                attributes(generate,CKO_SECRET_KEY,CKK_AES) = {
                  CKA_SENSITIVE = true
                  CKA_EXTRACTABLE = false
                  CKA_ENCRYPT = true
                  CKA_DECRYPT = true
                  CKA_WRAP = false
                  CKA_UNWRAP = false
                  CKA_SIGN = false
                  CKA_VERIFY = false
                  CKA_DERIVE = false
                }
                attributes(generate,CKO_PRIVATE_KEY,*) = {
                  CKA_TOKEN = false
                  CKA_SENSITIVE = false
                  CKA_EXTRACTABLE = true
                }
                """);
        char[] pin = config.readPin();
        try {
            KeyStore tokenKeys = login(rootKeyProvider, pin, config);
            return new Pkcs11Hsm(rootKeyProvider, tokenKeys, SecureRandom.getInstance("PKCS11", rootKeyProvider),
                    config);
        } catch (NoSuchAlgorithmException e) {
            throw new HsmConfigurationException("the HSM offers no random number generator (C_GenerateRandom), "
                    + "which makes the KMIP keys", e);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private static Provider configure(HsmConfig config, String name, String attributes) {
        String text = "--name = " + name + "\n"
                + "library = " + config.library() + "\n"
                + config.slotSelection() + "\n"
                + attributes;
        try {
            Provider base = Security.getProvider("SunPKCS11");
            if (base == null) {
                throw new HsmConfigurationException("this JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
            }
            return base.configure(text);
        } catch (ProviderException | InvalidParameterException e) {
            throw new HsmUnavailableException("cannot open the HSM token (" + config.slotSelection() + ") through "
                    + config.library() + ": " + rootCauseMessage(e)
                    + "; check that the token is initialised and, for SoftHSM2, that SOFTHSM2_CONF names its config",
                    e);
        }
    }

    private static KeyStore login(Provider provider, char[] pin, HsmConfig config) {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
            keyStore.load(null, pin);
            return keyStore;
        } catch (IOException e) {
            String pinSource = config.pinFile() != null ? config.pinFile().toString()
                    : "$" + config.pinEnvironmentVariable();
            if (causedBy(e, FailedLoginException.class)) {
                throw new HsmConfigurationException("the HSM refused the login with the user PIN from " + pinSource
                        + ": " + rootCauseMessage(e), e);
            }
            if (causedBy(e, KeyStoreException.class)) {
                // Logged in, but the token's keys cannot be listed: typically two keys share one label, which this
                // appliance never does but a hand-made key or an older version could have.
                throw new HsmConfigurationException("logged in to the HSM, but its keys cannot be listed: "
                        + rootCauseMessage(e) + ". If two keys share a label, remove the one no root-key version "
                        + "names (pkcs11-tool --list-objects, then --delete-object)", e);
            }
            throw new HsmConfigurationException("cannot log in to the HSM with the user PIN from " + pinSource + ": "
                    + rootCauseMessage(e), e);
        } catch (GeneralSecurityException e) {
            throw new HsmConfigurationException("cannot open the HSM key store: " + rootCauseMessage(e), e);
        }
    }

    /** Generates a new AES-256 root key version on the token under {@code label}. */
    @Override
    public void createRootKey(String label) {
        try {
            refreshTokenKeys();
            if (tokenKeys.containsAlias(label)) {
                throw new HsmException("the HSM already holds a key labelled " + label);
            }
            KeyGenerator generator = KeyGenerator.getInstance("AES", rootKeyProvider);
            generator.init(ROOT_KEY_BITS);
            SecretKey sessionKey = generator.generateKey();
            // Storing copies the key into a token object labelled with the alias; attributes are kept.
            try {
                tokenKeys.setEntry(label, new KeyStore.SecretKeyEntry(sessionKey), null);
            } catch (KeyStoreException e) {
                // The key store stores the object, then lists the whole token again; another node destroying an
                // object during that listing invalidates a handle under it, after the key was made. List afresh
                // (that retries such races) and see whether the key is there.
                if (!staleHandle(e)) {
                    throw e;
                }
                refreshTokenKeys();
                if (!tokenKeys.containsAlias(label)) {
                    throw e;
                }
            }
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("the HSM could not create root key " + label + ": " + rootCauseMessage(e), e);
        }
    }

    /**
     * An RSA transport key for imports (Key Protect's import tokens use RSA-4096): made by the token's generator,
     * its private half a token object that only unwraps and never leaves. Made through PKCS#11 directly, since
     * SunPKCS11's key store keeps private keys only beside a certificate.
     */
    @Override
    public byte[] createTransportKey(String label) {
        return cryptoki().generateTransportKey(label, TRANSPORT_KEY_BITS);
    }

    @Override
    public void destroyTransportKey(String label) {
        cryptoki().destroy(Cryptoki.CKO_PRIVATE_KEY, label);
    }

    /**
     * C_UnwrapKey with RSA-OAEP (which SunPKCS11 lacks) straight into a token key with the root keys' attributes;
     * SunPKCS11 then finds it by label like the versions it generated.
     */
    @Override
    public OptionalInt importRootKey(String label, String transportLabel, ImportWrapping wrapping,
                                     byte[] wrapped) {
        if (wrapped.length != TRANSPORT_KEY_BITS / 8) {
            // Refused before the HSM sees it: an HSM's answer to a payload of any other length is its own choice.
            throw new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.PAYLOAD, "the payload is "
                    + wrapped.length + " bytes; the key material encrypted with the import token's RSA-"
                    + TRANSPORT_KEY_BITS + " public key is " + TRANSPORT_KEY_BITS / 8);
        }
        requireUnusedLabel(label);
        return usableOrRemoved(label, cryptoki().unwrapRootKey(label, transportLabel, switch (wrapping) {
            case RSAES_OAEP_SHA_256 -> Cryptoki.OaepHash.SHA_256;
            case RSAES_OAEP_SHA_1 -> Cryptoki.OaepHash.SHA_1;
        }, wrapped));
    }

    @Override
    public OptionalInt importRootKey(String label, SecretBytes material) {
        requireUnusedLabel(label);
        return usableOrRemoved(label, cryptoki().createRootKey(label, material));
    }

    /**
     * Seals with the new version once: an HSM that does not report an unwrapped key's length (SoftHSM2) refuses
     * AES with any length but 128, 192 or 256 bits here, before anything is recorded.
     */
    private OptionalInt usableOrRemoved(String label, OptionalInt bits) {
        try (SecretBytes probe = SecretBytes.copyOf(new byte[16])) {
            seal(label, new byte[0], probe);
            return bits;
        } catch (HsmException e) {
            destroyRootKey(label);
            throw new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.PAYLOAD, "the HSM cannot "
                    + "use the key material as an AES key (" + rootCauseMessage(e) + "); a root key is an AES key "
                    + "of 128, 192 or 256 bits");
        }
    }

    private void requireUnusedLabel(String label) {
        if (cryptoki().contains(Cryptoki.CKO_SECRET_KEY, label)) {
            throw new HsmException("the HSM already holds a key labelled " + label);
        }
    }

    /** The labels of every secret key on the token, listed afresh. */
    @Override
    public Set<String> rootKeyLabels() {
        try {
            refreshTokenKeys();
            Set<String> labels = new HashSet<>();
            for (String alias : Collections.list(tokenKeys.aliases())) {
                if (tokenKeys.isKeyEntry(alias)) {
                    labels.add(alias);
                }
            }
            return labels;
        } catch (GeneralSecurityException | ProviderException | IllegalStateException e) {
            throw new HsmException("cannot list the keys on the HSM: " + rootCauseMessage(e), e);
        }
    }

    /**
     * Seals a few bytes with the appliance's probe key (a token object like any root key): a real round trip that
     * fails while the token is gone. Fails with {@link HsmKeyMissingException} until the probe key is made.
     */
    @Override
    public void probe() {
        try (SecretBytes probe = SecretBytes.copyOf(new byte[16])) {
            seal(HEALTH_PROBE_LABEL, new byte[0], probe);
        }
    }

    /**
     * Makes the probe key unless the token has it. Nodes sharing a token must not run this at the same moment (two
     * objects with one label would break every key store listing): custody serialises it through the database.
     */
    @Override
    public void createProbeKeyIfMissing() {
        if (!containsRootKey(HEALTH_PROBE_LABEL)) {
            createRootKey(HEALTH_PROBE_LABEL);
        }
    }

    /**
     * Removes a root key version from the token, if it is there: everything sealed under it becomes unrecoverable.
     * The token is listed afresh first: the key store forgets nothing it never listed, and silently deletes nothing
     * it does not know (a key made by another node since the last listing).
     */
    @Override
    public void destroyRootKey(String label) {
        try {
            synchronized (tokenKeys) {
                refreshTokenKeys();
                if (tokenKeys.containsAlias(label)) {
                    tokenKeys.deleteEntry(label);
                }
            }
            rootKeyHandles.remove(label);
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("the HSM could not destroy root key " + label + ": " + rootCauseMessage(e), e);
        }
    }

    /** A fresh AES key of {@code bits}, made of bytes from the HSM's random generator. */
    @Override
    public SecretBytes generateDataKey(int bits) {
        byte[] random = new byte[RANDOM_REQUEST_BYTES];
        try {
            hsmRandom.nextBytes(random);
            return SecretBytes.adopt(Arrays.copyOf(random, bits / 8));
        } catch (ProviderException e) {
            throw new HsmException("the HSM could not generate an AES-" + bits + " key: " + rootCauseMessage(e), e);
        } finally {
            Arrays.fill(random, (byte) 0);
        }
    }

    /**
     * A key pair from the token's generator (C_GenerateKeyPair). The private key is a session object, never on the
     * token, whose PKCS#8 encoding is read once: SunPKCS11 builds it from the token's attributes (CKA_SENSITIVE false
     * for this), and the session object goes with the handle.
     */
    @Override
    public GeneratedKeyPair generateKeyPair(String algorithm, int size) {
        AlgorithmParameterSpec parameters = switch (algorithm) {
            case "RSA" -> {
                if (size < MIN_RSA_BITS || size > MAX_RSA_BITS || size % 8 != 0) {
                    throw new IllegalArgumentException("an RSA key is 2048 to 4096 bits in whole bytes, not " + size);
                }
                yield new RSAKeyGenParameterSpec(size, RSAKeyGenParameterSpec.F4);
            }
            case "EC" -> new ECGenParameterSpec(Optional.ofNullable(EC_CURVES.get(size)).orElseThrow(() ->
                    new IllegalArgumentException("EC keys are on P-256, P-384 or P-521, not a " + size
                            + "-bit curve")));
            default -> throw new IllegalArgumentException("the HSM makes RSA and EC key pairs, not " + algorithm);
        };
        byte[] privateKey = null;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm, rootKeyProvider);
            generator.initialize(parameters);
            KeyPair pair = generator.generateKeyPair();
            privateKey = pair.getPrivate().getEncoded();
            if (privateKey == null) {
                throw new HsmException("the HSM made a " + algorithm + " key pair but will not release its private "
                        + "key (CKA_SENSITIVE or CKA_EXTRACTABLE forced by the token's policy)");
            }
            return new GeneratedKeyPair(pair.getPublic().getEncoded(), SecretBytes.adopt(privateKey));
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("the HSM could not generate a " + algorithm + "-" + size + " key pair: "
                    + rootCauseMessage(e), e);
        }
    }

    /** Seals {@code plaintext} under the root key {@code label}, binding {@code associatedData} to the blob. */
    @Override
    public byte[] seal(String label, byte[] associatedData, SecretBytes plaintext) {
        return withFreshHandleOnce(label, () -> sealOnce(label, associatedData, plaintext));
    }

    private byte[] sealOnce(String label, byte[] associatedData, SecretBytes plaintext) {
        byte[] iv = new byte[GCM_IV_BYTES];
        ivSource.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance(SEAL_TRANSFORMATION, rootKeyProvider);
            cipher.init(Cipher.ENCRYPT_MODE, rootKey(label), new GCMParameterSpec(GCM_TAG_BITS, iv));
            cipher.updateAAD(associatedData);
            byte[] sealed = cipher.doFinal(plaintext.reveal());
            byte[] blob = new byte[GCM_IV_BYTES + sealed.length];
            System.arraycopy(iv, 0, blob, 0, GCM_IV_BYTES);
            System.arraycopy(sealed, 0, blob, GCM_IV_BYTES, sealed.length);
            return blob;
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("the HSM could not seal a key under root key " + label + ": "
                    + rootCauseMessage(e), e);
        }
    }

    /** Opens a blob made by {@link #seal}; fails if the blob, the root key or the associated data differ. */
    @Override
    public SecretBytes open(String label, byte[] associatedData, byte[] blob) {
        return withFreshHandleOnce(label, () -> openOnce(label, associatedData, blob));
    }

    /**
     * Runs an operation with a root key; when the HSM says the cached key handle is no longer valid (the token was
     * reloaded, removed and put back, or the HSM restarted), the handle is looked up again and the operation is
     * tried once more. This is how the appliance recovers by itself once the HSM is back.
     */
    private <T> T withFreshHandleOnce(String label, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (HsmException e) {
            if (!staleHandle(e)) {
                throw e;
            }
            rootKeyHandles.remove(label);
            try {
                refreshTokenKeys();
            } catch (GeneralSecurityException | ProviderException refresh) {
                throw new HsmException("the HSM could not list its keys again: " + rootCauseMessage(refresh), refresh);
            }
            return operation.get();
        }
    }

    private static boolean staleHandle(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("CKR_OBJECT_HANDLE_INVALID") || message.contains("CKR_KEY_HANDLE_INVALID")) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    private SecretBytes openOnce(String label, byte[] associatedData, byte[] blob) {
        if (blob.length < GCM_IV_BYTES + GCM_TAG_BITS / 8) {
            throw new SealedKeyIntegrityException("a sealed key blob is truncated (" + blob.length + " bytes)", null);
        }
        byte[] output = null;
        try {
            Cipher cipher = Cipher.getInstance(SEAL_TRANSFORMATION, rootKeyProvider);
            cipher.init(Cipher.DECRYPT_MODE, rootKey(label),
                    new GCMParameterSpec(GCM_TAG_BITS, blob, 0, GCM_IV_BYTES));
            cipher.updateAAD(associatedData);
            // Our own output buffer: doFinal(byte[]) would decrypt into a larger array of its own and drop it
            // unzeroed after copying the plaintext out.
            output = new byte[cipher.getOutputSize(blob.length - GCM_IV_BYTES)];
            int length = cipher.doFinal(blob, GCM_IV_BYTES, blob.length - GCM_IV_BYTES, output, 0);
            return SecretBytes.adopt(Arrays.copyOf(output, length));
        } catch (AEADBadTagException e) {
            throw new SealedKeyIntegrityException("a sealed key failed its integrity check under root key " + label
                    + ": the blob was altered or belongs to another object", e);
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("the HSM could not open a key sealed under root key " + label + ": "
                    + rootCauseMessage(e), e);
        } finally {
            if (output != null) {
                Arrays.fill(output, (byte) 0);
            }
        }
    }

    private SecretKey rootKey(String label) {
        return rootKeyHandles.computeIfAbsent(label, missing -> {
            try {
                if (tokenKeys.getKey(missing, null) instanceof SecretKey key) {
                    return key;
                }
                // Another process on the same token (another node, a rotation elsewhere) may have created it
                // since this key store listed the token: list it again before giving up.
                refreshTokenKeys();
                if (tokenKeys.getKey(missing, null) instanceof SecretKey key) {
                    return key;
                }
            } catch (GeneralSecurityException | ProviderException e) {
                throw new HsmException("cannot find root key " + missing + " on the HSM: " + rootCauseMessage(e), e);
            }
            throw new HsmKeyMissingException("root key " + missing + " is not on the HSM token; it was destroyed or "
                    + "the appliance is connected to another token");
        });
    }

    /** Re-reads the token's key labels; the session is already logged in, so no PIN is needed. */
    private void refreshTokenKeys() throws GeneralSecurityException {
        synchronized (tokenKeys) {
            for (int attempt = 1; ; attempt++) {
                try {
                    tokenKeys.load(null, null);
                    return;
                } catch (IOException e) {
                    // Listing finds the objects, then reads each one's label: another process (another node)
                    // destroying an object in between leaves its handle invalid under us. List again.
                    if (attempt < LISTING_ATTEMPTS && staleHandle(e)) {
                        continue;
                    }
                    throw new GeneralSecurityException("cannot list the token's keys again: " + rootCauseMessage(e),
                            e);
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            ((AuthProvider) rootKeyProvider).logout();
        } catch (Exception e) {
            // Logging out of a token that is already gone is not worth failing a shutdown for.
        }
        rootKeyHandles.clear();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    static String rootCauseMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
    }
}
