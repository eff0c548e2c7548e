package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.List;

/**
 * What a client asked for when creating a symmetric key.
 *
 * @param activationDate   null when not given; at or before now makes the key Active at once
 * @param deactivationDate null when not given; once it comes (an Active key becomes Deactivated then)
 * @param attributes     the client's other attributes, indexes already assigned
 */
public record NewSymmetricKey(String algorithm, int lengthBits, int usageMask, Instant activationDate,
                              Instant deactivationDate, List<ObjectAttribute> attributes) {
    public NewSymmetricKey {
        attributes = List.copyOf(attributes);
    }

    public static NewSymmetricKey of(String algorithm, int lengthBits, int usageMask) {
        return new NewSymmetricKey(algorithm, lengthBits, usageMask, null, null, List.of());
    }
}
