package org.kmipappliance.hsm;

/** Root-key material a customer brings instead of letting the HSM generate it (Key Protect's imported keys). */
public sealed interface ImportedMaterial {
    /**
     * Wrapped under the instance's import token (Key Protect's secure import): {@code payload} is the key
     * encrypted with the token's public key; {@code encryptedNonce} is the token's nonce encrypted with the key itself
     * (AES-GCM under the 12-byte {@code iv}, tag appended), which proves the payload was made for this token.
     */
    record Wrapped(byte[] payload, byte[] encryptedNonce, byte[] iv, ImportWrapping wrapping)
            implements ImportedMaterial {
        public static final int IV_BYTES = 12;
    }

    /** Sent in plain, which only a policy allowing it accepts. */
    record Plain(SecretBytes material) implements ImportedMaterial {
    }
}
