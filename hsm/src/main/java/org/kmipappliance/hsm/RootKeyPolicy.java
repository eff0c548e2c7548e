package org.kmipappliance.hsm;

import java.time.Duration;

/**
 * Key Protect's timing rules for root keys, as configurable policy.
 *
 * @param minimumRotationInterval a root key may be rotated once per this interval (Key Protect: one hour);
 *                                zero turns the rule off
 * @param enableDelay             a disabled key may be enabled again only after this long (Key Protect: 30 s)
 */
public record RootKeyPolicy(Duration minimumRotationInterval, Duration enableDelay) {
    public static final RootKeyPolicy KEY_PROTECT = new RootKeyPolicy(Duration.ofHours(1), Duration.ofSeconds(30));
    /** No timing rules; for tests and operators who rotate on their own schedule. */
    public static final RootKeyPolicy NONE = new RootKeyPolicy(Duration.ZERO, Duration.ZERO);
}
