package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/** A KMIP client certificate pinned to one adapter by the SHA-256 fingerprint of its DER encoding. */
public record ClientCertificate(UUID id, UUID adapterId, String name, String pem, String sha256Fingerprint,
                                Instant createdAt, String createdBy) {
}
