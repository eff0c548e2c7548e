package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/** A tenant: the Key Protect "instance" that root keys, adapters and API tokens belong to. */
public record Instance(UUID id, String name, Instant createdAt) {
}
