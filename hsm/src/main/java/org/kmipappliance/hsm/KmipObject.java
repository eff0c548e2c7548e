package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/**
 * The metadata of a KMIP managed object. The sealed material stays in the store; plaintext is only ever
 * returned by {@link KmipObjects#openSymmetricKey} inside a {@link SecretBytes}.
 *
 * @param objectType KMIP Object Type number (2 = Symmetric Key)
 */
public record KmipObject(UUID id, UUID adapterId, int objectType, ObjectState state, String algorithm,
                         int lengthBits, int usageMask, Instant createdAt, UUID createdByCertificateId,
                         String createdBy, Instant updatedAt, UUID updatedByCertificateId, String updatedBy,
                         Instant destroyedAt, UUID destroyedByCertificateId, String destroyedBy) {
    public static final int SYMMETRIC_KEY = 2;
}
