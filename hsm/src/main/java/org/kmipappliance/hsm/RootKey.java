package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A customer root key (CRK). Its versions are HSM objects; this record never holds key material.
 *
 * @param deletion       null unless the key is deleted (and not yet purged)
 * @param dualAuthDelete Key Protect's dual authorization for deletion, and a pending authorization
 * @param imported       whether its versions are key material brought by the customer instead of generated
 * @param bitLength      the current version's AES key length; null when the HSM does not report an imported key's
 */
public record RootKey(UUID id, UUID instanceId, String name, String description, RootKeyState state,
                      int currentVersion, Instant createdAt, String createdBy, Instant updatedAt,
                      Instant lastRotatedAt, List<String> aliases, Instant expirationDate, Deletion deletion,
                      DualAuthDelete dualAuthDelete, boolean imported, Integer bitLength) {
    /**
     * Whether a second principal must delete the key, and who authorized its deletion until when (null: nobody).
     */
    public record DualAuthDelete(boolean enabled, String authorizedBy, Instant authorizationExpires) {
    }

    /**
     * When and by whom a key was deleted, and what its policy allows from then on; null for keys not deleted.
     *
     * @param purgeAllowedFrom when a purge may be asked for
     * @param purgeScheduledOn when the key is purged if nobody asks sooner
     * @param restoreAllowedUntil when a restore is no longer possible
     */
    public record Deletion(Instant deletedAt, String deletedBy, Instant purgeAllowedFrom, Instant purgeScheduledOn,
                           Instant restoreAllowedUntil) {
    }

    public RootKey {
        aliases = List.copyOf(aliases);
    }
}
