package org.kmipappliance.hsm;

import java.util.Set;

/**
 * What key custody needs of an HSM. Root-key versions are secret keys on the token, named by label, that never
 * leave it; KMIP keys are made of the HSM's random bytes and sealed by it under a root-key version.
 *
 * <p>Guarantees every implementation gives: {@link #seal} output opens only with the same root key and the same
 * associated data ({@link SealedKeyIntegrityException} otherwise); an operation on a label the token does not hold
 * fails with {@link HsmKeyMissingException}; plaintext is handed over only in {@link SecretBytes}; every other
 * failure is an {@link HsmException} whose message holds no key material. Thread-safe.
 */
public interface Hsm {
    /** A fresh AES key of {@code bits} (128, 192 or 256) from the HSM's random generator. */
    SecretBytes generateDataKey(int bits);

    /** Seals {@code plaintext} under the root key {@code label}, binding {@code associatedData} to the blob. */
    byte[] seal(String label, byte[] associatedData, SecretBytes plaintext);

    /** Opens a blob made by {@link #seal} with the same root key and associated data. */
    SecretBytes open(String label, byte[] associatedData, byte[] blob);

    /** Makes a new root-key version on the token under {@code label}, which no key may hold yet. */
    void createRootKey(String label);

    /** Destroys the root-key version {@code label}, if the token holds it. */
    void destroyRootKey(String label);

    /** The labels of every secret key on the token, listed afresh (keys other processes made included). */
    Set<String> rootKeyLabels();

    default boolean containsRootKey(String label) {
        return rootKeyLabels().contains(label);
    }

    /** A real round trip with the token (a seal with the probe key); {@link HsmKeyMissingException} until it exists. */
    void probe();

    /** Makes the probe key unless the token holds it; callers serialise this across nodes. */
    void createProbeKeyIfMissing();
}
