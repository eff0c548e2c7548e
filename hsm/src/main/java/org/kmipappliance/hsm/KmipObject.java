package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/**
 * The metadata of a KMIP managed object. The sealed material stays in the store; plaintext is only ever
 * returned by {@link KmipObjects#openMaterial} inside a {@link SecretBytes}.
 *
 * @param objectType       KMIP Object Type number (2 = Symmetric Key, ...)
 * @param algorithm        the custody module's algorithm name; null for Secret Data and Opaque Objects
 * @param lengthBits       the Cryptographic Length; null where there is none
 * @param revocationReason the KMIP Revocation Reason Code, or null when never revoked
 * @param fresh            KMIP Fresh: not yet served to any client
 * @param digestSha256     hex SHA-256 of the key material (the KMIP Digest), or null
 * @param dataType         the Secret Data Type, Opaque Data Type or Certificate Type; null for keys
 * @param keyFormat        the KMIP Key Format Type the material is kept in; null for objects without a Key Block
 */
public record KmipObject(UUID id, UUID adapterId, int objectType, ObjectState state, String algorithm,
                         Integer lengthBits, int usageMask, Instant createdAt, UUID createdByCertificateId,
                         String createdBy, Instant updatedAt, UUID updatedByCertificateId, String updatedBy,
                         Instant destroyedAt, UUID destroyedByCertificateId, String destroyedBy,
                         Instant activationDate, Instant deactivationDate, Instant compromiseDate,
                         Instant compromiseOccurrenceDate, Integer revocationReason, String revocationMessage,
                         boolean fresh, String digestSha256, Integer dataType, Integer keyFormat) {
    public static final int CERTIFICATE = 1;
    public static final int SYMMETRIC_KEY = 2;
    public static final int PUBLIC_KEY = 3;
    public static final int PRIVATE_KEY = 4;
    /** One part of a key split among holders (KMIP 1.4 section 2.2.5), kept as registered. */
    public static final int SPLIT_KEY = 5;
    /** A stored list of attributes for new objects (KMIP 1.0-1.2; deprecated since 1.3 but still defined). */
    public static final int TEMPLATE = 6;
    public static final int SECRET_DATA = 7;
    public static final int OPAQUE_OBJECT = 8;
}
