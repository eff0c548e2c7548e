package org.kmipappliance.hsm;

import java.util.Arrays;
import java.util.Optional;

/**
 * How key material brought to the appliance is encrypted under an import token's public key: Key Protect's
 * {@code encryptionAlgorithm} values, RSA-OAEP with one hash for both the digest and MGF1 and an empty label.
 */
public enum ImportWrapping {
    RSAES_OAEP_SHA_256,
    /** Accepted as Key Protect's clients may send it (their SHA-1 variant); SHA-256 is the default. */
    RSAES_OAEP_SHA_1;

    /** The wrapping Key Protect names {@code name}, if it is one of these. */
    public static Optional<ImportWrapping> named(String name) {
        return Arrays.stream(values()).filter(wrapping -> wrapping.name().equals(name)).findFirst();
    }
}
