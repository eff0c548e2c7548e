package org.kmipappliance.hsm;

import java.time.Duration;

/**
 * Key Protect's timing rules for root keys, and how many an instance may hold, as configurable policy.
 *
 * @param minimumRotationInterval a root key may be rotated once per this interval (Key Protect: one hour);
 *                                zero turns the rule off
 * @param enableDelay             a disabled key may be enabled again only after this long (Key Protect: 30 s)
 * @param maxPerInstance          root keys an instance may hold (destroyed ones do not count)
 */
public record RootKeyPolicy(Duration minimumRotationInterval, Duration enableDelay, int maxPerInstance) {
    /**
     * Every root key version is an object in the HSM, and HSM partitions hold a few thousand objects (a Luna
     * partition's default is about 1,000 to 20,000 by model); one tenant must not be able to fill the partition
     * the others share. Key Protect's own instances hold far more, hence configurable (root-keys.max-per-instance).
     */
    public static final int DEFAULT_MAX_PER_INSTANCE = 1_000;
    public static final RootKeyPolicy KEY_PROTECT = new RootKeyPolicy(Duration.ofHours(1), Duration.ofSeconds(30),
            DEFAULT_MAX_PER_INSTANCE);
    /** No timing rules; for tests and operators who rotate on their own schedule. */
    public static final RootKeyPolicy NONE = new RootKeyPolicy(Duration.ZERO, Duration.ZERO,
            DEFAULT_MAX_PER_INSTANCE);

    /** This policy with another limit of root keys per instance. */
    public RootKeyPolicy withMaxPerInstance(int max) {
        return new RootKeyPolicy(minimumRotationInterval, enableDelay, max);
    }
}
