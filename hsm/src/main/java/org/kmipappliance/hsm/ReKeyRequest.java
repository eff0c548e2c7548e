package org.kmipappliance.hsm;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What a Re-Key asks of the replacement key beyond a copy of the existing one.
 *
 * @param activationOffset the replacement activates this long after now (zero: at once); null when not given
 * @param activationDate   the replacement's Activation Date as given; null when not given. With neither, the
 *                         existing key's Activation Date is copied
 * @param usageMask        null keeps the existing key's
 * @param overrides        client attributes: each name given replaces the existing key's instances of it
 * @param renewal          applied to each attribute copied from the existing key: what the replacement starts
 *                         afresh (KMIP's Usage Limits: its count back at the total), the rest unchanged
 */
public record ReKeyRequest(Duration activationOffset, Instant activationDate, Integer usageMask,
                           List<ObjectAttribute> overrides, UnaryOperator<ObjectAttribute> renewal) {
    public ReKeyRequest {
        overrides = List.copyOf(overrides);
        if (activationOffset != null && activationDate != null) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "Offset",
                    "give an Offset or an Activation Date, not both");
        }
    }
}
