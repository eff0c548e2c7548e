package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/** A KMIP adapter: a root key that seals the KMIP keys created through the certificates registered to it. */
public record KmipAdapter(UUID id, UUID instanceId, String name, String description, String profile,
                          UUID rootKeyId, Instant createdAt, String createdBy, Instant updatedAt,
                          String updatedBy) {
    /** The only adapter profile Key Protect defines. */
    public static final String NATIVE_PROFILE = "native_1.0";
}
