package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/**
 * The metadata of a KMIP managed object. The sealed material stays in the store; plaintext is only ever
 * returned by {@link KmipObjects#openSymmetricKey} inside a {@link SecretBytes}.
 *
 * @param objectType       KMIP Object Type number (2 = Symmetric Key)
 * @param revocationReason the KMIP Revocation Reason Code, or null when never revoked
 * @param fresh            KMIP Fresh: not yet served to any client
 * @param digestSha256     hex SHA-256 of the key material (the KMIP Digest), or null
 */
public record KmipObject(UUID id, UUID adapterId, int objectType, ObjectState state, String algorithm,
                         int lengthBits, int usageMask, Instant createdAt, UUID createdByCertificateId,
                         String createdBy, Instant updatedAt, UUID updatedByCertificateId, String updatedBy,
                         Instant destroyedAt, UUID destroyedByCertificateId, String destroyedBy,
                         Instant activationDate, Instant deactivationDate, Instant compromiseDate,
                         Instant compromiseOccurrenceDate, Integer revocationReason, String revocationMessage,
                         boolean fresh, String digestSha256) {
    public static final int SYMMETRIC_KEY = 2;
}
