package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.HSM_OBJECT_INTENTS;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;

/**
 * How a root-key version comes to exist on the HSM without a race between nodes, rotations or crashes: the database
 * decides first, the HSM acts second, the database records third.
 * <ol>
 * <li>{@link #reserve}: in a transaction of its own, an intent with a label no other attempt will ever use (the
 *     version number and random hex) is committed; at most one intent per root key exists, so a second rotation
 *     of the same key (here or on another node) is refused instead of racing.</li>
 * <li>{@link #create}: the HSM object is made under that label.</li>
 * <li>{@link #claim}: the transaction that records the version removes the intent; if a sweep gave the attempt up
 *     meanwhile, the claim fails and the attempt is {@link #abandon abandoned}.</li>
 * </ol>
 * Because labels are never shared, destroying an abandoned attempt's object can never hit a live version.
 */
final class HsmObjectIntents {
    private static final System.Logger LOG = System.getLogger(HsmObjectIntents.class.getName());
    /**
     * An attempt takes milliseconds; one this old belongs to a node that crashed or hung, and its object (if it was
     * made) protects nothing.
     */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(10);

    private final DSLContext dsl;
    private final TimedHsm hsm;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    HsmObjectIntents(DSLContext dsl, TimedHsm hsm, Clock clock) {
        this.dsl = dsl;
        this.hsm = hsm;
        this.clock = clock;
    }

    /**
     * Reserves a label for version {@code version} of {@code rootKeyId}, in {@code tx}; the caller commits it before
     * {@link #create}. Fails with ROOT_KEY_ROTATION_IN_PROGRESS while another attempt holds the key.
     */
    String reserve(DSLContext tx, UUID rootKeyId, int version) {
        byte[] suffix = new byte[4];
        random.nextBytes(suffix);
        String label = "crk-" + rootKeyId + "-v" + version + "-" + HexFormat.of().formatHex(suffix);
        int reserved = tx.insertInto(HSM_OBJECT_INTENTS)
                .set(HSM_OBJECT_INTENTS.HSM_LABEL, label)
                .set(HSM_OBJECT_INTENTS.ROOT_KEY_ID, rootKeyId)
                .set(HSM_OBJECT_INTENTS.VERSION, version)
                .set(HSM_OBJECT_INTENTS.CREATED_AT, Timestamps.now(clock))
                .onConflictDoNothing()
                .execute();
        if (reserved == 0) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_ROTATION_IN_PROGRESS, "key " + rootKeyId
                    + " is being rotated right now; wait for that rotation to finish");
        }
        return label;
    }

    /** Generates the HSM object of a reserved label; if the HSM fails, the reservation is dropped. */
    void create(String label) {
        create(label, generated -> {
            hsm.createRootKey(generated);
            return null;
        });
    }

    /**
     * Makes the HSM object of a reserved label with {@code make} (an import, say), which returns what the caller
     * records with it; if {@code make} fails, it leaves no object and the reservation is dropped.
     */
    <T> T create(String label, Function<String, T> make) {
        try {
            return make.apply(label);
        } catch (RuntimeException e) {
            release(label);
            throw e;
        }
    }

    /**
     * In the transaction that records the version: removes the reservation. Fails if a sweep gave the attempt up
     * (this node was stalled for {@link #ABANDONED_AFTER}); the caller then abandons it.
     */
    void claim(DSLContext tx, String label) {
        if (tx.deleteFrom(HSM_OBJECT_INTENTS).where(HSM_OBJECT_INTENTS.HSM_LABEL.eq(label)).execute() == 0) {
            throw new HsmException("the new HSM object " + label + " was given up while this node was stalled; "
                    + "try again");
        }
    }

    /** After the recording transaction failed: destroys the HSM object, if it was made, and the reservation. */
    void abandon(String label) {
        try {
            if (hsm.containsRootKey(label)) {
                hsm.destroyRootKey(label);
            }
            release(label);
        } catch (RuntimeException e) {
            // The intent stays, so the sweep finishes this later.
            LOG.log(System.Logger.Level.WARNING, "could not clean up the unused HSM object " + label
                    + " now; the periodic sweep will: " + e.getMessage());
        }
    }

    /** Destroys what attempts older than {@link #ABANDONED_AFTER} left behind; returns how many were cleaned up. */
    int sweep() {
        List<String> stale = dsl.select(HSM_OBJECT_INTENTS.HSM_LABEL).from(HSM_OBJECT_INTENTS)
                .where(HSM_OBJECT_INTENTS.CREATED_AT.lt(Timestamps.now(clock).minus(ABANDONED_AFTER)))
                .fetch(HSM_OBJECT_INTENTS.HSM_LABEL);
        int cleaned = 0;
        for (String label : stale) {
            boolean swept = dsl.transactionResult(tx -> {
                // The row lock orders this sweep against a late claim of the same attempt: whichever commits
                // first wins, and the other sees the intent gone.
                if (tx.dsl().selectFrom(HSM_OBJECT_INTENTS).where(HSM_OBJECT_INTENTS.HSM_LABEL.eq(label))
                        .forUpdate().skipLocked().fetchOptional().isEmpty()) {
                    return false;
                }
                if (hsm.containsRootKey(label)) {
                    hsm.destroyRootKey(label);
                }
                tx.dsl().deleteFrom(HSM_OBJECT_INTENTS).where(HSM_OBJECT_INTENTS.HSM_LABEL.eq(label)).execute();
                return true;
            });
            if (swept) {
                cleaned++;
                LOG.log(System.Logger.Level.WARNING, "destroyed the HSM object {0} of an attempt that never "
                        + "finished (its node crashed or hung)", label);
            }
        }
        return cleaned;
    }

    private void release(String label) {
        dsl.deleteFrom(HSM_OBJECT_INTENTS).where(HSM_OBJECT_INTENTS.HSM_LABEL.eq(label)).execute();
    }
}
