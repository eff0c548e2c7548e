package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.INSTANCES;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_ADAPTERS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_CLIENT_CERTIFICATES;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECT_ATTRIBUTES;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.kmipappliance.hsm.store.jooq.tables.records.KmipAdaptersRecord;

/** KMIP adapters: each binds a root key to the client certificates registered under it. */
public final class KmipAdapters {
    /** Key Protect's limit per instance. */
    public static final int MAX_ADAPTERS_PER_INSTANCE = 200;

    private final DSLContext dsl;
    private final RootKeys rootKeys;
    private final CertificateRemovals removals;
    private final AuditLog audit;
    private final Clock clock;

    KmipAdapters(DSLContext dsl, RootKeys rootKeys, CertificateRemovals removals, AuditLog audit, Clock clock) {
        this.dsl = dsl;
        this.rootKeys = rootKeys;
        this.removals = removals;
        this.audit = audit;
        this.clock = clock;
    }

    public KmipAdapter create(UUID instanceId, String name, String description, String profile, String rootKeyId,
                              Requester requester) {
        if (!KmipAdapter.NATIVE_PROFILE.equals(profile)) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "profile",
                    "the profile must be " + KmipAdapter.NATIVE_PROFILE);
        }
        if (rootKeyId == null || rootKeyId.isBlank()) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "profile_data.crk_id",
                    "profile_data.crk_id must name the root key that seals this adapter's KMIP keys");
        }
        String checkedName = Names.resourceName(name, "kmip_adapter_", "name");
        String checkedDescription = Names.description(description, "description");
        RootKey rootKey = rootKeys.get(instanceId, rootKeyId);
        if (rootKey.state() != RootKeyState.ACTIVE) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_NOT_ACTIVE, "profile_data.crk_id",
                    "root key " + rootKey.id() + " is not active; an adapter needs an active root key");
        }
        OffsetDateTime now = Timestamps.now(clock);
        try {
            return dsl.transactionResult(tx -> {
                // Locking the instance row serialises adapter creation per instance, so two concurrent
                // requests cannot both pass the limit check.
                tx.dsl().selectFrom(INSTANCES).where(INSTANCES.ID.eq(instanceId)).forUpdate().fetchOne();
                int existing = tx.dsl().fetchCount(KMIP_ADAPTERS, KMIP_ADAPTERS.INSTANCE_ID.eq(instanceId));
                if (existing >= MAX_ADAPTERS_PER_INSTANCE) {
                    throw new CustodyException(CustodyException.Failure.ADAPTER_LIMIT_REACHED,
                            "an instance can have at most " + MAX_ADAPTERS_PER_INSTANCE + " KMIP adapters");
                }
                KmipAdaptersRecord row = tx.dsl().newRecord(KMIP_ADAPTERS);
                row.setId(UUID.randomUUID());
                row.setInstanceId(instanceId);
                row.setName(checkedName);
                row.setDescription(checkedDescription);
                row.setProfile(profile);
                row.setRootKeyId(rootKey.id());
                row.setCreatedAt(now);
                row.setCreatedBy(requester.actor());
                row.setUpdatedAt(now);
                row.setUpdatedBy(requester.actor());
                row.store();
                requester.concerns(row.getId());
                audit.recordChange(tx.dsl(), requester, "kmip_adapter.create", row.getId().toString(), checkedName);
                return toAdapter(row);
            });
        } catch (IntegrityConstraintViolationException e) {
            throw new CustodyException(CustodyException.Failure.ADAPTER_NAME_TAKEN, "name",
                    "an adapter named " + checkedName + " already exists in this instance");
        }
    }

    /** Adapters of the instance, newest first; {@code rootKeyFilter} may be null. */
    public Page<KmipAdapter> list(UUID instanceId, int limit, int offset, UUID rootKeyFilter) {
        Condition condition = KMIP_ADAPTERS.INSTANCE_ID.eq(instanceId);
        if (rootKeyFilter != null) {
            condition = condition.and(KMIP_ADAPTERS.ROOT_KEY_ID.eq(rootKeyFilter));
        }
        var rows = dsl.selectFrom(KMIP_ADAPTERS)
                .where(condition)
                .orderBy(KMIP_ADAPTERS.CREATED_AT.desc(), KMIP_ADAPTERS.ID)
                .limit(limit).offset(offset)
                .fetch(KmipAdapters::toAdapter);
        return new Page<>(rows, dsl.fetchCount(KMIP_ADAPTERS, condition));
    }

    /** The adapter named by its id or its name in the instance. */
    public KmipAdapter get(UUID instanceId, String idOrName) {
        UUID id = Names.parseUuid(idOrName);
        Condition identity = id != null ? KMIP_ADAPTERS.ID.eq(id) : KMIP_ADAPTERS.NAME.eq(idOrName);
        return dsl.selectFrom(KMIP_ADAPTERS)
                .where(identity.and(KMIP_ADAPTERS.INSTANCE_ID.eq(instanceId)))
                .fetchOptional(KmipAdapters::toAdapter)
                .orElseThrow(() -> new CustodyException(CustodyException.Failure.ADAPTER_NOT_FOUND,
                        "KMIP adapter " + idOrName + " does not exist"));
    }

    /**
     * Deletes an adapter that has no live KMIP objects: its certificates stop working and the metadata of its
     * destroyed objects is purged with it. Returns the fingerprints of the certificates that were removed.
     */
    public List<String> delete(UUID instanceId, String idOrName, Requester requester) {
        KmipAdapter adapter = get(instanceId, idOrName);
        List<String> fingerprints = dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            // Locking the adapter row orders this delete after any create of an object or certificate in flight.
            t.selectFrom(KMIP_ADAPTERS).where(KMIP_ADAPTERS.ID.eq(adapter.id())).forUpdate().fetchOne();
            int live = t.fetchCount(KMIP_OBJECTS, KMIP_OBJECTS.ADAPTER_ID.eq(adapter.id())
                    .and(KMIP_OBJECTS.STATE.notIn((short) ObjectState.DESTROYED.code(),
                            (short) ObjectState.DESTROYED_COMPROMISED.code())));
            if (live > 0) {
                throw new CustodyException(CustodyException.Failure.ADAPTER_HAS_OBJECTS, "KMIP adapter "
                        + adapter.name() + " still has " + live + " KMIP objects that are not deleted; delete them "
                        + "first (DELETE .../kmip_objects/<id>, with force=true for active ones)");
            }
            List<String> removed = t.select(KMIP_CLIENT_CERTIFICATES.SHA256_FINGERPRINT)
                    .from(KMIP_CLIENT_CERTIFICATES).where(KMIP_CLIENT_CERTIFICATES.ADAPTER_ID.eq(adapter.id()))
                    .fetch(KMIP_CLIENT_CERTIFICATES.SHA256_FINGERPRINT);
            t.deleteFrom(KMIP_CLIENT_CERTIFICATES).where(KMIP_CLIENT_CERTIFICATES.ADAPTER_ID.eq(adapter.id()))
                    .execute();
            t.deleteFrom(KMIP_OBJECT_ATTRIBUTES).where(KMIP_OBJECT_ATTRIBUTES.ADAPTER_ID.eq(adapter.id())).execute();
            t.deleteFrom(KMIP_OBJECTS).where(KMIP_OBJECTS.ADAPTER_ID.eq(adapter.id())).execute();
            t.deleteFrom(KMIP_ADAPTERS).where(KMIP_ADAPTERS.ID.eq(adapter.id())).execute();
            audit.recordChange(t, requester, "kmip_adapter.delete", adapter.id().toString(), adapter.name() + ", "
                    + removed.size() + " certificate(s) removed");
            removals.announce(t, removed);
            return removed;
        });
        removals.publish(fingerprints);
        return fingerprints;
    }

    static KmipAdapter toAdapter(KmipAdaptersRecord row) {
        return new KmipAdapter(row.getId(), row.getInstanceId(), row.getName(), row.getDescription(),
                row.getProfile(), row.getRootKeyId(), Timestamps.instant(row.getCreatedAt()), row.getCreatedBy(),
                Timestamps.instant(row.getUpdatedAt()), row.getUpdatedBy());
    }
}
