package org.kmipappliance.hsm;

import java.util.UUID;

/**
 * A newly issued API token. The secret is shown this once and stored only as a hash, so it cannot be recovered
 * later; {@code toString} does not show it.
 */
public record IssuedApiToken(UUID id, UUID instanceId, String secret) {
    @Override
    public String toString() {
        return "IssuedApiToken[id=" + id + ", instanceId=" + instanceId + ", secret=redacted]";
    }
}
