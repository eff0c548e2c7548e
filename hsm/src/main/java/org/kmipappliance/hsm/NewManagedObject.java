package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * A managed object a client registers, or one half of a generated key pair: what is recorded beside the sealed
 * material. The material itself travels apart, in {@link SecretBytes}.
 *
 * @param objectType     the KMIP Object Type (see {@link KmipObject})
 * @param algorithm      the custody module's algorithm name, or null (Secret Data, Opaque Object)
 * @param lengthBits     the Cryptographic Length, or null
 * @param dataType       the Secret Data Type, Opaque Data Type or Certificate Type, or null
 * @param keyFormat      the KMIP Key Format Type of the material, or null
 * @param activationDate   null when not given; at or before now makes the object Active at once
 * @param deactivationDate null when not given; an Active object becomes Deactivated when it comes
 * @param attributes     the client's other attributes, indexes already assigned
 */
public record NewManagedObject(int objectType, String algorithm, Integer lengthBits, int usageMask, Integer dataType,
                               Integer keyFormat, Instant activationDate, Instant deactivationDate,
                               List<ObjectAttribute> attributes) {
    public NewManagedObject {
        attributes = List.copyOf(attributes);
    }

    /** The same object with {@code extra} attributes after the client's (the server's Links of a key pair). */
    NewManagedObject withAttributes(List<ObjectAttribute> extra) {
        return new NewManagedObject(objectType, algorithm, lengthBits, usageMask, dataType, keyFormat, activationDate,
                deactivationDate, Stream.concat(attributes.stream(), extra.stream()).toList());
    }

    /** How the audit trail names the object: "AES-256", "RSA-2048", "Secret Data", "Split Key of AES-256". */
    String describe() {
        String key = algorithm == null ? null : lengthBits == null ? algorithm : algorithm + "-" + lengthBits;
        return switch (objectType) {
            case KmipObject.SECRET_DATA -> "Secret Data";
            case KmipObject.OPAQUE_OBJECT -> "Opaque Object";
            case KmipObject.TEMPLATE -> "Template";
            case KmipObject.SPLIT_KEY -> key == null ? "Split Key" : "Split Key of " + key;
            default -> key != null ? key : "object type " + objectType;
        };
    }
}
