package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEYS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEY_VERSIONS;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.DSLContext;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.store.jooq.tables.records.RootKeysRecord;

/** Customer root keys: each version an AES-256 object on the HSM token that never leaves it. */
public final class RootKeys {
    static final int MAX_NAME_LENGTH = 90;

    private final DSLContext dsl;
    private final Pkcs11Hsm hsm;
    private final Clock clock;

    RootKeys(DSLContext dsl, Pkcs11Hsm hsm, Clock clock) {
        this.dsl = dsl;
        this.hsm = hsm;
        this.clock = clock;
    }

    /** Generates version 1 of a new root key in the HSM and records it. */
    public RootKey create(UUID instanceId, String name, String description, String actor) {
        if (name == null || name.strip().length() < 2 || name.length() > MAX_NAME_LENGTH
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "name",
                    "a key name must be 2 to " + MAX_NAME_LENGTH + " printable characters");
        }
        String checkedDescription = description == null ? null : Names.description(description, "description");
        UUID id = UUID.randomUUID();
        String label = versionLabel(id, 1);
        hsm.createRootKey(label);
        try {
            OffsetDateTime now = Timestamps.now(clock);
            return dsl.transactionResult(tx -> {
                RootKeysRecord row = tx.dsl().newRecord(ROOT_KEYS);
                row.setId(id);
                row.setInstanceId(instanceId);
                row.setName(name);
                row.setDescription(checkedDescription);
                row.setState((short) RootKeyState.ACTIVE.code());
                row.setCurrentVersion(1);
                row.setCreatedAt(now);
                row.setCreatedBy(actor);
                row.setUpdatedAt(now);
                row.store();
                tx.dsl().insertInto(ROOT_KEY_VERSIONS)
                        .set(ROOT_KEY_VERSIONS.ROOT_KEY_ID, id)
                        .set(ROOT_KEY_VERSIONS.VERSION, 1)
                        .set(ROOT_KEY_VERSIONS.HSM_LABEL, label)
                        .set(ROOT_KEY_VERSIONS.CREATED_AT, now)
                        .execute();
                return toRootKey(row);
            });
        } catch (RuntimeException e) {
            // Without its record nothing can ever use the new HSM object; do not leave it behind.
            hsm.destroyRootKey(label);
            throw e;
        }
    }

    public Page<RootKey> list(UUID instanceId, int limit, int offset) {
        var rows = dsl.selectFrom(ROOT_KEYS)
                .where(ROOT_KEYS.INSTANCE_ID.eq(instanceId))
                .orderBy(ROOT_KEYS.CREATED_AT.desc(), ROOT_KEYS.ID)
                .limit(limit).offset(offset)
                .fetch(RootKeys::toRootKey);
        long total = dsl.fetchCount(ROOT_KEYS, ROOT_KEYS.INSTANCE_ID.eq(instanceId));
        return new Page<>(rows, total);
    }

    /** The root key {@code id} of the instance; absent ids and other instances' keys are both "not found". */
    public RootKey get(UUID instanceId, String id) {
        UUID uuid = Names.parseUuid(id);
        if (uuid == null) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_NOT_FOUND, "key " + id + " does not exist");
        }
        return dsl.selectFrom(ROOT_KEYS)
                .where(ROOT_KEYS.ID.eq(uuid).and(ROOT_KEYS.INSTANCE_ID.eq(instanceId)))
                .fetchOptional(RootKeys::toRootKey)
                .orElseThrow(() -> new CustodyException(CustodyException.Failure.ROOT_KEY_NOT_FOUND,
                        "key " + id + " does not exist"));
    }

    /** The HSM label of one version of a root key. */
    String versionLabel(UUID rootKeyId, int version) {
        return "crk-" + rootKeyId + "-v" + version;
    }

    static RootKey toRootKey(RootKeysRecord row) {
        return new RootKey(row.getId(), row.getInstanceId(), row.getName(), row.getDescription(),
                RootKeyState.ofCode(row.getState()), row.getCurrentVersion(), Timestamps.instant(row.getCreatedAt()),
                row.getCreatedBy(), Timestamps.instant(row.getUpdatedAt()));
    }
}
