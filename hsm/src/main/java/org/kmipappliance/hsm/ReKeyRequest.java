package org.kmipappliance.hsm;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a Re-Key asks of the replacement key beyond a copy of the existing one.
 *
 * @param activationOffset the replacement activates this long after now (zero: at once); null when not given
 * @param activationDate   the replacement's Activation Date as given; null when not given. With neither, the
 *                         existing key's Activation Date is copied
 * @param usageMask        null keeps the existing key's
 * @param overrides        client attributes: each name given replaces the existing key's instances of it
 */
public record ReKeyRequest(Duration activationOffset, Instant activationDate, Integer usageMask,
                           List<ObjectAttribute> overrides) {
    public ReKeyRequest {
        overrides = List.copyOf(overrides);
        if (activationOffset != null && activationDate != null) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "Offset",
                    "give an Offset or an Activation Date, not both");
        }
    }
}
