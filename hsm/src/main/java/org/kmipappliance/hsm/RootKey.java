package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A customer root key (CRK). Its versions are HSM objects; this record never holds key material. */
public record RootKey(UUID id, UUID instanceId, String name, String description, RootKeyState state,
                      int currentVersion, Instant createdAt, String createdBy, Instant updatedAt,
                      Instant lastRotatedAt, List<String> aliases, Instant expirationDate) {
    public RootKey {
        aliases = List.copyOf(aliases);
    }
}
