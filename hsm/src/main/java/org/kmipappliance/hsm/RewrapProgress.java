package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.UUID;

/**
 * How far the re-wrap after a rotation has come: {@code done} of {@code total} KMIP keys re-sealed under
 * {@code toVersion}, {@code failed} that could not be (they keep their version, which stays on the HSM).
 *
 * @param state running, finished or superseded (a newer rotation took over)
 */
public record RewrapProgress(long jobId, UUID rootKeyId, int toVersion, String state, int total, int done,
                             int failed, Instant startedAt, Instant finishedAt) {
}
