package org.kmipappliance.hsm;

import java.time.Duration;

/**
 * Key Protect's timing rules for root keys, and how many an instance may hold, as configurable policy.
 *
 * @param minimumRotationInterval a root key may be rotated once per this interval (Key Protect: one hour);
 *                                zero turns the rule off
 * @param enableDelay             a disabled key may be enabled again only after this long (Key Protect: 30 s)
 * @param maxPerInstance          root keys an instance may hold (deleted ones do not count)
 * @param restoreWindow           a deleted key may be restored this long after its deletion (Key Protect: 30 days)
 * @param purgeDelay              a deleted key may be purged no sooner than this after its deletion (Key Protect:
 *                                4 hours); zero allows it at once
 * @param automaticPurge          a deleted key is purged this long after its deletion (Key Protect: 90 days)
 * @param plainImport             whether key material handed in without an import token (Key Protect's plain
 *                                "payload", which passes through the appliance's memory) may become a root key;
 *                                off unless the operator turns it on (root-keys.allow-plain-import)
 */
public record RootKeyPolicy(Duration minimumRotationInterval, Duration enableDelay, int maxPerInstance,
                            Duration restoreWindow, Duration purgeDelay, Duration automaticPurge,
                            boolean plainImport) {
    public static final Duration KEY_PROTECT_RESTORE_WINDOW = Duration.ofDays(30);
    public static final Duration KEY_PROTECT_PURGE_DELAY = Duration.ofHours(4);
    public static final Duration KEY_PROTECT_AUTOMATIC_PURGE = Duration.ofDays(90);
    /**
     * Every root key version is an object in the HSM, and HSM partitions hold a few thousand objects (a Luna
     * partition's default is about 1,000 to 20,000 by model); one tenant must not be able to fill the partition
     * the others share. Key Protect's own instances hold far more, hence configurable (root-keys.max-per-instance).
     */
    public static final int DEFAULT_MAX_PER_INSTANCE = 1_000;
    public static final RootKeyPolicy KEY_PROTECT = new RootKeyPolicy(Duration.ofHours(1), Duration.ofSeconds(30),
            DEFAULT_MAX_PER_INSTANCE, KEY_PROTECT_RESTORE_WINDOW, KEY_PROTECT_PURGE_DELAY, KEY_PROTECT_AUTOMATIC_PURGE,
            false);
    /**
     * No timing rules for rotation, enabling and purging; for tests and operators who rotate on their own schedule.
     * Deleted keys are still restorable, and purged automatically, on Key Protect's schedule.
     */
    public static final RootKeyPolicy NONE = new RootKeyPolicy(Duration.ZERO, Duration.ZERO,
            DEFAULT_MAX_PER_INSTANCE, KEY_PROTECT_RESTORE_WINDOW, Duration.ZERO, KEY_PROTECT_AUTOMATIC_PURGE, false);

    /** This policy with another limit of root keys per instance. */
    public RootKeyPolicy withMaxPerInstance(int max) {
        return new RootKeyPolicy(minimumRotationInterval, enableDelay, max, restoreWindow, purgeDelay,
                automaticPurge, plainImport);
    }

    /** This policy with plain imports allowed or not. */
    public RootKeyPolicy withPlainImport(boolean allowed) {
        return new RootKeyPolicy(minimumRotationInterval, enableDelay, maxPerInstance, restoreWindow, purgeDelay,
                automaticPurge, allowed);
    }
}
