package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.INSTANCES;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_ADAPTERS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEYS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEY_ALIASES;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEY_VERSIONS;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SortField;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.store.jooq.tables.records.RootKeysRecord;

/**
 * Customer root keys: each version an AES object on the HSM token that never leaves it, generated there (AES-256)
 * or made there from material the customer brings.
 */
public final class RootKeys {
    static final int MAX_NAME_LENGTH = 90;
    private static final int GENERATED_BITS = 256;

    private final DSLContext dsl;
    private final TimedHsm hsm;
    private final HsmObjectIntents intents;
    private final AuditLog audit;
    private final Clock clock;
    private final RootKeyPolicy policy;
    private final ImportTokens importTokens;
    private RootKeyRewrap rewrap;

    RootKeys(DSLContext dsl, TimedHsm hsm, HsmObjectIntents intents, AuditLog audit, Clock clock,
             RootKeyPolicy policy, ImportTokens importTokens) {
        this.dsl = dsl;
        this.hsm = hsm;
        this.intents = intents;
        this.audit = audit;
        this.clock = clock;
        this.policy = policy;
        this.importTokens = importTokens;
    }

    void useRewrap(RootKeyRewrap rewrap) {
        this.rewrap = rewrap;
    }

    /** What the re-wrap job's own changes are recorded as. */
    private static final Requester REWRAP = Requester.system("rewrap");
    /** Who deactivates a key whose expiration date has come. */
    private static final Requester EXPIRY = Requester.system("expiry");
    /** Who the audit trail names for a purge that came with the policy's schedule. */
    private static final Requester SCHEDULED_PURGE = Requester.system("purge-schedule");

    /** Key Protect's limit of aliases per root key. */
    public static final int MAX_ALIASES = 5;
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]{2,90}");
    private static final Set<String> RESERVED_ALIASES = Set.of("allowed_ip", "key", "keys",
            "metadata", "policy", "policies", "registration", "registrations", "ring", "rings", "rotate", "wrap",
            "unwrap", "rewrap", "version", "versions");

    /** Generates version 1 of a new root key in the HSM and records it. */
    public RootKey create(UUID instanceId, String name, String description, Requester requester) {
        return create(instanceId, name, description, List.of(), requester);
    }

    /** The same, with aliases (at most five, each unique in the instance). */
    public RootKey create(UUID instanceId, String name, String description, List<String> aliases,
                          Requester requester) {
        return create(instanceId, name, description, aliases, null, requester);
    }

    /**
     * The same, with an expiration date (null: none), which must be to come: when it comes, the key becomes
     * Deactivated ({@link #expireDue}).
     */
    public RootKey create(UUID instanceId, String name, String description, List<String> aliases,
                          Instant expirationDate, Requester requester) {
        return create(instanceId, name, description, aliases, expirationDate, false, requester);
    }

    /** The same, with Key Protect's dual authorization for deletion on from the start when {@code dualAuthDelete}. */
    public RootKey create(UUID instanceId, String name, String description, List<String> aliases,
                          Instant expirationDate, boolean dualAuthDelete, Requester requester) {
        return create(instanceId, name, description, aliases, expirationDate, dualAuthDelete, null, requester);
    }

    /**
     * The same, with version 1 made from the customer's {@code material} instead of generated (null: generated):
     * an imported key, which rotates only to material brought with each rotation.
     */
    public RootKey create(UUID instanceId, String name, String description, List<String> aliases,
                          Instant expirationDate, boolean dualAuthDelete, ImportedMaterial material,
                          Requester requester) {
        if (expirationDate != null && !expirationDate.isAfter(clock.instant())) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "expirationDate",
                    "the expiration date " + expirationDate + " has passed; give one to come");
        }
        if (aliases.size() > MAX_ALIASES) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_ALIAS_LIMIT_REACHED, "aliases",
                    "a root key has at most " + MAX_ALIASES + " aliases");
        }
        aliases.forEach(RootKeys::checkAlias);
        if (name == null || name.strip().length() < 2 || name.length() > MAX_NAME_LENGTH
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "name",
                    "a key name must be 2 to " + MAX_NAME_LENGTH + " printable characters");
        }
        String checkedDescription = description == null ? null : Names.description(description, "description");
        requirePlainImportAllowed(material);
        // Checked before the HSM makes anything, and again under the instance's lock for concurrent creations.
        requireRoomForAnotherKey(dsl, instanceId);
        UUID id = UUID.randomUUID();
        String label = dsl.transactionResult(tx -> intents.reserve(tx.dsl(), id, 1));
        Integer bitLength = makeVersion(instanceId, label, material);
        try {
            OffsetDateTime now = Timestamps.now(clock);
            return dsl.transactionResult(tx -> {
                tx.dsl().selectFrom(INSTANCES).where(INSTANCES.ID.eq(instanceId)).forUpdate().fetchOne();
                requireRoomForAnotherKey(tx.dsl(), instanceId);
                intents.claim(tx.dsl(), label);
                RootKeysRecord row = tx.dsl().newRecord(ROOT_KEYS);
                row.setId(id);
                row.setInstanceId(instanceId);
                row.setName(name);
                row.setDescription(checkedDescription);
                row.setState((short) RootKeyState.ACTIVE.code());
                row.setCurrentVersion(1);
                row.setCreatedAt(now);
                row.setCreatedBy(requester.actor());
                row.setUpdatedAt(now);
                row.setStateChangedAt(now);
                row.setExpirationDate(expirationDate == null ? null : expirationDate.atOffset(ZoneOffset.UTC));
                row.setDualAuthDelete(dualAuthDelete);
                row.setImported(material != null);
                row.setBitLength(bitLength == null ? null : bitLength.shortValue());
                row.store();
                insertVersion(tx.dsl(), id, 1, label, now);
                for (String alias : aliases) {
                    insertAlias(tx.dsl(), instanceId, id, alias, now);
                }
                List<String> details = new ArrayList<>();
                if (material != null) {
                    details.add(importDetail(material));
                }
                if (dualAuthDelete) {
                    details.add("dual authorization for deletion");
                }
                audit.recordChange(tx.dsl(), requester, "root_key.create", id.toString(),
                        details.isEmpty() ? null : String.join("; ", details));
                return toRootKey(row, aliases);
            });
        } catch (RuntimeException e) {
            // Without its record nothing can ever use the new HSM object; do not leave it behind.
            intents.abandon(label);
            throw e;
        }
    }

    private void requirePlainImportAllowed(ImportedMaterial material) {
        if (material instanceof ImportedMaterial.Plain && !policy.plainImport()) {
            throw new CustodyException(CustodyException.Failure.PLAIN_IMPORT_DISABLED, "payload", "this appliance "
                    + "does not accept key material sent in plain; create an import token (POST "
                    + "/api/v2/import_token), wrap the material with its public key and send encryptedNonce and iv "
                    + "too, or ask the operator to set root-keys.allow-plain-import");
        }
    }

    private static String importDetail(ImportedMaterial material) {
        return switch (material) {
            case ImportedMaterial.Wrapped wrapped -> "imported with the import token, " + wrapped.wrapping();
            case ImportedMaterial.Plain plain -> "imported from material sent in plain";
        };
    }

    /**
     * Makes the HSM object of a reserved version: generated, or from the customer's material (unwrapped by the HSM
     * with the import token's key, the nonce then checked with the new key). Returns the key's length in bits, null
     * when the HSM does not report it.
     */
    private Integer makeVersion(UUID instanceId, String label, ImportedMaterial material) {
        if (material == null) {
            intents.create(label);
            return GENERATED_BITS;
        }
        return intents.create(label, reserved -> {
            try {
                OptionalInt bits = switch (material) {
                    case ImportedMaterial.Plain plain -> hsm.importRootKey(reserved, plain.material());
                    case ImportedMaterial.Wrapped wrapped -> {
                        ImportTokens.Current token = importTokens.forImport(dsl, instanceId);
                        OptionalInt unwrapped = hsm.importRootKey(reserved, token.hsmLabel(), wrapped.wrapping(),
                                wrapped.payload());
                        requireTokenNonce(reserved, token, wrapped);
                        yield unwrapped;
                    }
                };
                return bits.isPresent() ? bits.getAsInt() : null;
            } catch (ImportedKeyRejectedException e) {
                throw switch (e.reason()) {
                    case PAYLOAD -> new CustodyException(CustodyException.Failure.IMPORTED_KEY_REJECTED, "payload",
                            e.getMessage());
                    case WRAPPING_UNSUPPORTED -> new CustodyException(
                            CustodyException.Failure.IMPORT_WRAPPING_UNSUPPORTED, "encryptionAlgorithm",
                            e.getMessage());
                    case TOKEN -> new CustodyException(CustodyException.Failure.IMPORT_TOKEN_NOT_FOUND,
                            e.getMessage());
                };
            }
        });
    }

    /**
     * Decrypts the encrypted nonce with the newly made key, in the HSM: only the holder of the very material unwrapped
     * could have encrypted the token's nonce. A mismatch destroys the new object before the refusal.
     */
    private void requireTokenNonce(String label, ImportTokens.Current token, ImportedMaterial.Wrapped wrapped) {
        byte[] blob = new byte[wrapped.iv().length + wrapped.encryptedNonce().length];
        System.arraycopy(wrapped.iv(), 0, blob, 0, wrapped.iv().length);
        System.arraycopy(wrapped.encryptedNonce(), 0, blob, wrapped.iv().length, wrapped.encryptedNonce().length);
        boolean matches;
        try (SecretBytes nonce = hsm.open(label, new byte[0], blob)) {
            matches = ImportTokens.nonceMatches(token, nonce.reveal());
        } catch (SealedKeyIntegrityException e) {
            matches = false;
        }
        if (!matches) {
            hsm.destroyRootKey(label);
            throw new CustodyException(CustodyException.Failure.IMPORT_NONCE_MISMATCH, "encryptedNonce", "The "
                    + "encrypted nonce given does not match the import token's: encrypt the nonce of the import token "
                    + "retrieved last with the key material itself (AES-GCM, the iv sent)");
        }
    }

    private void requireRoomForAnotherKey(DSLContext context, UUID instanceId) {
        int held = context.fetchCount(ROOT_KEYS, ROOT_KEYS.INSTANCE_ID.eq(instanceId)
                .and(ROOT_KEYS.STATE.ne((short) RootKeyState.DESTROYED.code())));
        if (held >= policy.maxPerInstance()) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_LIMIT_REACHED, "instance " + instanceId
                    + " holds " + held + " root keys, the most it may (root-keys.max-per-instance); delete keys "
                    + "it no longer needs, or ask the operator to raise the limit");
        }
    }

    public Page<RootKey> list(UUID instanceId, int limit, int offset) {
        return list(instanceId, EnumSet.allOf(RootKeyState.class), limit, offset);
    }

    /** Root keys of the instance in the given states, newest first. */
    public Page<RootKey> list(UUID instanceId, Set<RootKeyState> states, int limit, int offset) {
        return list(instanceId, RootKeyQuery.inStates(states), limit, offset);
    }

    /** Root keys of the instance that {@code query} finds, in its order, and how many it finds in all. */
    public Page<RootKey> list(UUID instanceId, RootKeyQuery query, int limit, int offset) {
        Condition condition = ROOT_KEYS.INSTANCE_ID.eq(instanceId).and(ROOT_KEYS.PURGED_AT.isNull())
                .and(ROOT_KEYS.STATE.in(query.states().stream().map(state -> (short) state.code()).toList()));
        if (query.search() != null) {
            condition = condition.and(searchCondition(query.search()));
        }
        for (Map.Entry<RootKeyQuery.DateField, List<RootKeyQuery.DateFilter>> filters : query.ranges().entrySet()) {
            Field<OffsetDateTime> column = dateColumn(filters.getKey());
            for (RootKeyQuery.DateFilter filter : filters.getValue()) {
                condition = condition.and(dateCondition(column, filter));
            }
        }
        List<SortField<?>> order = new ArrayList<>();
        for (RootKeyQuery.SortKey key : query.sort()) {
            Field<?> field = sortColumn(key.field());
            order.add(key.descending() ? field.desc().nullsLast() : field.asc().nullsLast());
        }
        if (query.sort().isEmpty()) {
            order.add(ROOT_KEYS.CREATED_AT.desc());
        }
        order.add(ROOT_KEYS.ID.asc());
        var rows = dsl.selectFrom(ROOT_KEYS)
                .where(condition)
                .orderBy(order)
                .limit(limit).offset(offset)
                .fetch(this::toRootKey);
        long total = dsl.fetchCount(ROOT_KEYS, condition);
        return new Page<>(rows, total);
    }

    private static Field<OffsetDateTime> dateColumn(RootKeyQuery.DateField field) {
        return switch (field) {
            case CREATION -> ROOT_KEYS.CREATED_AT;
            case DELETION -> ROOT_KEYS.DELETED_AT;
            case EXPIRATION -> ROOT_KEYS.EXPIRATION_DATE;
            case LAST_ROTATE -> ROOT_KEYS.LAST_ROTATED_AT;
            case LAST_UPDATE -> ROOT_KEYS.UPDATED_AT;
        };
    }

    private static Condition dateCondition(Field<OffsetDateTime> column, RootKeyQuery.DateFilter filter) {
        OffsetDateTime value = filter.value() == null ? null : OffsetDateTime.ofInstant(filter.value(),
                ZoneOffset.UTC);
        return switch (filter.comparison()) {
            case EQUAL -> column.eq(value);
            case LESS -> column.lt(value);
            case LESS_OR_EQUAL -> column.le(value);
            case GREATER -> column.gt(value);
            case GREATER_OR_EQUAL -> column.ge(value);
            case NONE -> column.isNull();
        };
    }

    private static Field<?> sortColumn(RootKeyQuery.SortField field) {
        return switch (field) {
            case ID -> ROOT_KEYS.ID;
            case STATE -> ROOT_KEYS.STATE;
            // Every key here is a root key: the same value for all, so ties go to the next key.
            case EXTRACTABLE -> DSL.inline(false);
            case IMPORTED -> ROOT_KEYS.IMPORTED;
            case CREATION_DATE -> ROOT_KEYS.CREATED_AT;
            case LAST_UPDATE_DATE -> ROOT_KEYS.UPDATED_AT;
            case LAST_ROTATE_DATE -> ROOT_KEYS.LAST_ROTATED_AT;
            case DELETION_DATE -> ROOT_KEYS.DELETED_AT;
            case EXPIRATION_DATE -> ROOT_KEYS.EXPIRATION_DATE;
        };
    }

    /** Names and aliases (and, unscoped, the id) matching a search; LIKE's own characters are taken literally. */
    private static Condition searchCondition(RootKeyQuery.Search search) {
        String text = search.text().toLowerCase(Locale.ROOT);
        String pattern = search.exact() ? escapeLike(text) : "%" + escapeLike(text) + "%";
        Condition byName = DSL.lower(ROOT_KEYS.NAME).like(pattern, '\\');
        Condition byAlias = DSL.exists(DSL.selectOne().from(ROOT_KEY_ALIASES)
                .where(ROOT_KEY_ALIASES.ROOT_KEY_ID.eq(ROOT_KEYS.ID)
                        .and(DSL.lower(ROOT_KEY_ALIASES.ALIAS).like(pattern, '\\'))));
        Condition matches = switch (search.scope() == null ? RootKeyQuery.Search.Scope.NAME : search.scope()) {
            case NAME -> search.scope() == null ? byName.or(byAlias) : byName;
            case ALIAS -> byAlias;
        };
        UUID id = search.scope() == null ? Names.parseUuid(search.text()) : null;
        if (id != null) {
            matches = matches.or(ROOT_KEYS.ID.eq(id));
        }
        return search.inverted() ? DSL.not(matches) : matches;
    }

    private static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    /**
     * The root key of the instance named by its id or one of its aliases; absent keys and other instances' keys are
     * both "not found".
     */
    public RootKey get(UUID instanceId, String idOrAlias) {
        UUID uuid = Names.parseUuid(idOrAlias);
        if (uuid == null) {
            uuid = dsl.select(ROOT_KEY_ALIASES.ROOT_KEY_ID).from(ROOT_KEY_ALIASES)
                    .where(ROOT_KEY_ALIASES.INSTANCE_ID.eq(instanceId).and(ROOT_KEY_ALIASES.ALIAS.eq(idOrAlias)))
                    .fetchOptional(ROOT_KEY_ALIASES.ROOT_KEY_ID).orElse(null);
        }
        UUID id = uuid;
        // A purged key is gone for the API, as Key Protect's; its record stays for the audit trail.
        return dsl.selectFrom(ROOT_KEYS)
                .where(ROOT_KEYS.ID.eq(id == null ? new UUID(0, 0) : id).and(ROOT_KEYS.INSTANCE_ID.eq(instanceId))
                        .and(ROOT_KEYS.PURGED_AT.isNull()))
                .fetchOptional(this::toRootKey)
                .orElseThrow(() -> new CustodyException(CustodyException.Failure.ROOT_KEY_NOT_FOUND,
                        "key " + idOrAlias + " does not exist"));
    }

    /** Adds an alias to a root key; the alias must be new in the instance. */
    public RootKey addAlias(UUID instanceId, String idOrAlias, String alias, Requester requester) {
        checkAlias(alias);
        RootKey key = get(instanceId, idOrAlias);
        dsl.transaction(tx -> {
            tx.dsl().selectFrom(ROOT_KEYS).where(ROOT_KEYS.ID.eq(key.id())).forUpdate().fetchOne();
            if (tx.dsl().fetchCount(ROOT_KEY_ALIASES, ROOT_KEY_ALIASES.ROOT_KEY_ID.eq(key.id())) >= MAX_ALIASES) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ALIAS_LIMIT_REACHED, "alias",
                        "a root key has at most " + MAX_ALIASES + " aliases");
            }
            insertAlias(tx.dsl(), instanceId, key.id(), alias, Timestamps.now(clock));
            audit.recordChange(tx.dsl(), requester, "root_key.alias_add", key.id().toString(), alias);
        });
        return get(instanceId, key.id().toString());
    }

    /** Removes an alias of a root key. */
    public void deleteAlias(UUID instanceId, String idOrAlias, String alias, Requester requester) {
        RootKey key = get(instanceId, idOrAlias);
        dsl.transaction(tx -> {
            int removed = tx.dsl().deleteFrom(ROOT_KEY_ALIASES).where(ROOT_KEY_ALIASES.ROOT_KEY_ID.eq(key.id())
                    .and(ROOT_KEY_ALIASES.ALIAS.eq(alias))).execute();
            if (removed == 0) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_NOT_FOUND, "key " + key.id()
                        + " has no alias " + alias);
            }
            audit.recordChange(tx.dsl(), requester, "root_key.alias_delete", key.id().toString(), alias);
        });
    }

    private static void insertAlias(DSLContext context, UUID instanceId, UUID rootKeyId, String alias,
                                    OffsetDateTime at) {
        int inserted = context.insertInto(ROOT_KEY_ALIASES)
                .set(ROOT_KEY_ALIASES.INSTANCE_ID, instanceId)
                .set(ROOT_KEY_ALIASES.ALIAS, alias)
                .set(ROOT_KEY_ALIASES.ROOT_KEY_ID, rootKeyId)
                .set(ROOT_KEY_ALIASES.CREATED_AT, at)
                .onConflictDoNothing().execute();
        if (inserted == 0) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_ALIAS_TAKEN, "alias",
                    "the alias " + alias + " already names a key of this instance");
        }
    }

    private static void checkAlias(String alias) {
        if (alias == null || !ALIAS.matcher(alias).matches() || Names.parseUuid(alias) != null
                || RESERVED_ALIASES.contains(alias.toLowerCase(Locale.ROOT))) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "aliases", "an alias is 2 to 90 "
                    + "letters, digits, '-' and '_', not a UUID and not a reserved word");
        }
    }

    /**
     * Rotates: a new version is generated in the HSM and seals every new KMIP key at once; a background job
     * re-seals the existing ones under it. Returns the job's first progress.
     *
     * <p>The database decides before the HSM acts: the new version is reserved (one rotation per key at a time, on
     * any node), then made on the HSM under a label no other attempt uses, then recorded. Two rotations at once
     * cannot destroy each other's object or leave two objects with one label.
     */
    public RewrapProgress rotate(UUID instanceId, String id, Requester requester) {
        return rotate(instanceId, id, null, requester);
    }

    /**
     * The same, for an imported key: the new version is made from {@code material}, which an imported key requires
     * and a generated key refuses.
     */
    public RewrapProgress rotate(UUID instanceId, String id, ImportedMaterial material, Requester requester) {
        RootKey key = get(instanceId, id);
        if (key.imported() && material == null) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_PAYLOAD_REQUIRED, "payload", "key "
                    + key.id() + " was imported: it rotates only to new key material, sent as payload with the "
                    + "rotation");
        }
        if (!key.imported() && material != null) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_PAYLOAD_NOT_ALLOWED, "payload",
                    "The query_param 'payload' must be: provided only if key is imported");
        }
        requirePlainImportAllowed(material);
        String label = dsl.transactionResult(tx -> {
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            requireRotatable(row);
            return intents.reserve(tx.dsl(), key.id(), row.getCurrentVersion() + 1);
        });
        Integer bitLength = makeVersion(instanceId, label, material);
        long job;
        try {
            job = dsl.transactionResult(tx -> {
                // The key row's lock orders this against Creates sealing under the current version: they commit
                // before the new version becomes current, or see it and seal under it.
                RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
                intents.claim(tx.dsl(), label);
                requireRotatable(row);
                OffsetDateTime at = Timestamps.now(clock);
                int next = row.getCurrentVersion() + 1;
                insertVersion(tx.dsl(), key.id(), next, label, at);
                row.setCurrentVersion(next);
                row.setLastRotatedAt(at);
                row.setUpdatedAt(at);
                row.setBitLength(bitLength == null ? null : bitLength.shortValue());
                row.store();
                audit.recordChange(tx.dsl(), requester, "root_key.rotate", key.id().toString(),
                        "new version " + next + (material == null ? "" : ", " + importDetail(material)));
                return rewrap.createJob(tx.dsl(), key.id(), next, at);
            });
        } catch (RuntimeException e) {
            intents.abandon(label);
            throw e;
        }
        rewrap.start(job);
        return rewrap.progress(job);
    }

    private void requireRotatable(RootKeysRecord row) {
        RootKeyState state = RootKeyState.ofCode(row.getState());
        // Key Protect rotates deactivated (expired) keys too: their KMIP keys move to the new version, which, like
        // the old one, opens them and seals nothing new.
        if (state != RootKeyState.ACTIVE && state != RootKeyState.DEACTIVATED) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE,
                    "key " + row.getId() + " is " + state.name().toLowerCase() + "; only an active or deactivated "
                            + "key rotates");
        }
        if (row.getLastRotatedAt() != null && !policy.minimumRotationInterval().isZero()
                && row.getLastRotatedAt().plus(policy.minimumRotationInterval()).isAfter(Timestamps.now(clock))) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_ROTATION_TOO_SOON,
                    "This root key has been rotated within the last " + policy.minimumRotationInterval()
                            .toMinutes() + " minutes; only one rotation per interval is permitted");
        }
    }

    private static RootKeysRecord lockForUpdate(DSLContext tx, UUID rootKeyId) {
        return tx.selectFrom(ROOT_KEYS).where(ROOT_KEYS.ID.eq(rootKeyId)).forUpdate().fetchOne();
    }

    private static void insertVersion(DSLContext tx, UUID rootKeyId, int version, String label, OffsetDateTime at) {
        tx.insertInto(ROOT_KEY_VERSIONS)
                .set(ROOT_KEY_VERSIONS.ROOT_KEY_ID, rootKeyId)
                .set(ROOT_KEY_VERSIONS.VERSION, version)
                .set(ROOT_KEY_VERSIONS.HSM_LABEL, label)
                .set(ROOT_KEY_VERSIONS.CREATED_AT, at)
                .execute();
    }

    /** Suspends an active key: every KMIP key under it is unusable until it is enabled again. */
    public RootKey disable(UUID instanceId, String id, Requester requester) {
        return changeState(instanceId, id, RootKeyState.ACTIVE, RootKeyState.SUSPENDED, Duration.ZERO, requester,
                "root_key.disable");
    }

    /** Re-activates a suspended key, no sooner than the policy's enable delay after it was disabled. */
    public RootKey enable(UUID instanceId, String id, Requester requester) {
        return changeState(instanceId, id, RootKeyState.SUSPENDED, RootKeyState.ACTIVE, policy.enableDelay(),
                requester, "root_key.enable");
    }

    private RootKey changeState(UUID instanceId, String id, RootKeyState from, RootKeyState to, Duration delay,
                                Requester requester, String action) {
        RootKey key = get(instanceId, id);
        return dsl.transactionResult(tx -> {
            // The lock waits for Creates in flight on this key; those after it see the new state.
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            if (row.getState() != from.code()) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, "key " + key.id()
                        + " is " + RootKeyState.ofCode(row.getState()).name().toLowerCase() + ", not "
                        + from.name().toLowerCase());
            }
            OffsetDateTime now = Timestamps.now(clock);
            if (!delay.isZero() && row.getStateChangedAt() != null
                    && row.getStateChangedAt().plus(delay).isAfter(now)) {
                // What is left of the delay, rounded up: "wait 0 seconds" would be a lie.
                long remaining = (Duration.between(now, row.getStateChangedAt().plus(delay)).toMillis() + 999) / 1000;
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ENABLE_TOO_SOON,
                        "The key was updated recently: please wait " + remaining + " more second"
                                + (remaining == 1 ? "" : "s") + " and try again");
            }
            row.setState((short) to.code());
            row.setStateChangedAt(now);
            row.setUpdatedAt(now);
            row.store();
            audit.recordChange(tx.dsl(), requester, action, key.id().toString(), null);
            return toRootKey(row);
        });
    }

    /**
     * Deletes a root key, as Key Protect does: the key becomes Destroyed (5) at once, so nothing opens or seals
     * under it any more (adapters bound to it fail as for a disabled key), but its HSM objects stay until it is
     * purged, so {@link #restore} can bring everything back within the policy's window. A key that protects an
     * adapter is refused unless {@code force}.
     */
    public RootKey delete(UUID instanceId, String id, boolean force, Requester requester) {
        RootKey key = get(instanceId, id);
        return dsl.transactionResult(tx -> {
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            int adapters = tx.dsl().fetchCount(KMIP_ADAPTERS, KMIP_ADAPTERS.ROOT_KEY_ID.eq(key.id()));
            if (adapters > 0 && !force) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_IN_USE, "key " + key.id()
                        + " protects " + adapters + " KMIP adapter(s); delete them first, or delete the key with "
                        + "force=true, which stops their KMIP keys until the key is restored");
            }
            if (row.getState() == RootKeyState.DESTROYED.code()) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE,
                        "key " + key.id() + " is already deleted");
            }
            OffsetDateTime now = Timestamps.now(clock);
            if (Boolean.TRUE.equals(row.getDualAuthDelete())) {
                requireSecondAuthorization(row, now, requester);
            }
            row.setDeletionAuthorizedBy(null);
            row.setDeletionAuthorizedAt(null);
            row.setStateBeforeDeletion(row.getState());
            row.setState((short) RootKeyState.DESTROYED.code());
            row.setStateChangedAt(now);
            row.setUpdatedAt(now);
            row.setDeletedAt(now);
            row.setDeletedBy(requester.actor());
            row.store();
            RootKey deleted = toRootKey(row);
            audit.recordChange(tx.dsl(), requester, "root_key.delete", key.id().toString(), "restorable until "
                    + deleted.deletion().restoreAllowedUntil() + ", purge allowed from "
                    + deleted.deletion().purgeAllowedFrom() + (adapters > 0 ? "; " + adapters
                    + " adapter(s) stopped (force)" : ""));
            return deleted;
        });
    }

    /** How long a deletion authorized under dual authorization stays valid (Key Protect: seven days). */
    public static final Duration DELETION_AUTHORIZATION_LIFETIME = Duration.ofDays(7);

    /**
     * Under dual authorization a key is deleted by a second principal, within seven days of the first one's
     * authorization ({@link #authorizeDeletion}).
     */
    private void requireSecondAuthorization(RootKeysRecord row, OffsetDateTime now, Requester requester) {
        if (row.getDeletionAuthorizedAt() == null
                || !row.getDeletionAuthorizedAt().plus(DELETION_AUTHORIZATION_LIFETIME).isAfter(now)) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_DELETION_NOT_AUTHORIZED, "key "
                    + row.getId() + " has dual authorization for deletion: another user must first authorize it "
                    + "(POST /api/v2/keys/" + row.getId() + "/actions/setKeyForDeletion), then you delete it within "
                    + DELETION_AUTHORIZATION_LIFETIME.toDays() + " days");
        }
        if (row.getDeletionAuthorizedBy().equals(requester.actor())) {
            throw new CustodyException(CustodyException.Failure.ROOT_KEY_DELETION_SAME_PRINCIPAL, "key "
                    + row.getId() + " was authorized for deletion by " + requester.actor() + "; under dual "
                    + "authorization another user deletes it");
        }
    }

    /**
     * Turns Key Protect's dual authorization for deletion on for a key. It cannot be turned off again, as Key
     * Protect's cannot: a second principal is then needed for every deletion of the key.
     */
    public RootKey setDualAuthDelete(UUID instanceId, String id, boolean enabled, Requester requester) {
        RootKey key = get(instanceId, id);
        return dsl.transactionResult(tx -> {
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            boolean on = Boolean.TRUE.equals(row.getDualAuthDelete());
            if (on && !enabled) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, "key " + key.id()
                        + " has dual authorization for deletion, which cannot be turned off once on");
            }
            if (!on && enabled) {
                row.setDualAuthDelete(true);
                row.setUpdatedAt(Timestamps.now(clock));
                row.store();
                audit.recordChange(tx.dsl(), requester, "root_key.policy", key.id().toString(),
                        "dual authorization for deletion on");
            }
            return toRootKey(row);
        });
    }

    /**
     * Key Protect's setKeyForDeletion: the first principal's authorization to delete a key under dual
     * authorization, valid for seven days; {@code authorize} false withdraws it (unsetKeyForDeletion).
     */
    public RootKey authorizeDeletion(UUID instanceId, String id, boolean authorize, Requester requester) {
        RootKey key = get(instanceId, id);
        return dsl.transactionResult(tx -> {
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            if (!Boolean.TRUE.equals(row.getDualAuthDelete())) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, "key " + key.id()
                        + " has no dual authorization for deletion; delete it directly");
            }
            if (row.getState() == RootKeyState.DESTROYED.code()) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE,
                        "key " + key.id() + " is already deleted");
            }
            OffsetDateTime now = Timestamps.now(clock);
            row.setDeletionAuthorizedBy(authorize ? requester.actor() : null);
            row.setDeletionAuthorizedAt(authorize ? now : null);
            row.setUpdatedAt(now);
            row.store();
            audit.recordChange(tx.dsl(), requester, authorize ? "root_key.deletion_authorize"
                    : "root_key.deletion_authorization_withdraw", key.id().toString(), null);
            return toRootKey(row);
        });
    }

    /**
     * Restores a deleted key within the policy's window: it returns to the state it had (Deactivated if its
     * expiration date has passed since), with every version and everything sealed under them.
     */
    public RootKey restore(UUID instanceId, String id, Requester requester) {
        RootKey key = get(instanceId, id);
        return dsl.transactionResult(tx -> {
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            if (row.getState() != RootKeyState.DESTROYED.code()) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE,
                        "key " + key.id() + " is not deleted; only a deleted key is restored");
            }
            OffsetDateTime now = Timestamps.now(clock);
            OffsetDateTime until = row.getDeletedAt().plus(policy.restoreWindow());
            if (!now.isBefore(until)) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE, "key " + key.id()
                        + " was deleted on " + row.getDeletedAt().toInstant() + " and could be restored until "
                        + until.toInstant() + " (root-keys.restore-window-days)");
            }
            // The instance's lock, as a creation takes it: two restores cannot both take the last room.
            tx.dsl().selectFrom(INSTANCES).where(INSTANCES.ID.eq(instanceId)).forUpdate().fetchOne();
            requireRoomForAnotherKey(tx.dsl(), instanceId);
            RootKeyState before = row.getStateBeforeDeletion() == null ? RootKeyState.ACTIVE
                    : RootKeyState.ofCode(row.getStateBeforeDeletion());
            boolean expired = row.getExpirationDate() != null && !row.getExpirationDate().isAfter(now);
            row.setState((short) (expired ? RootKeyState.DEACTIVATED : before).code());
            row.setStateChangedAt(now);
            row.setUpdatedAt(now);
            row.setDeletedAt(null);
            row.setDeletedBy(null);
            row.setStateBeforeDeletion(null);
            row.store();
            audit.recordChange(tx.dsl(), requester, "root_key.restore", key.id().toString(),
                    "now " + RootKeyState.ofCode(row.getState()).name().toLowerCase());
            return toRootKey(row);
        });
    }

    /**
     * Purges a deleted key, no sooner than the policy's delay after its deletion: every version's HSM object is
     * destroyed, so anything ever sealed under it (a KMIP key, a backup of one) can never be opened again. This is
     * the crypto-shredding moment. The database records the decision first, in one transaction; the HSM objects go
     * after it, and a sweep finishes the job if this node dies in between. The key is gone from the API after.
     */
    public RootKey purge(UUID instanceId, String id, Requester requester) {
        RootKey key = get(instanceId, id);
        RootKey purged = dsl.transactionResult(tx -> {
            RootKeysRecord row = lockForUpdate(tx.dsl(), key.id());
            if (row.getState() != RootKeyState.DESTROYED.code()) {
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_ACTION_INVALID_STATE,
                        "key " + key.id() + " is not deleted; delete it first, then purge it");
            }
            OffsetDateTime now = Timestamps.now(clock);
            OffsetDateTime allowed = row.getDeletedAt().plus(policy.purgeDelay());
            if (now.isBefore(allowed)) {
                long minutes = (Duration.between(now, allowed).toSeconds() + 59) / 60;
                throw new CustodyException(CustodyException.Failure.ROOT_KEY_PURGE_TOO_SOON, "key " + key.id()
                        + " was deleted on " + row.getDeletedAt().toInstant() + "; it may be purged from "
                        + allowed.toInstant() + ", in " + minutes + " minute" + (minutes == 1 ? "" : "s"));
            }
            return recordPurge(tx.dsl(), row, now, requester, "purged on request");
        });
        destroyVersionsOnHsm(key.id());
        return purged;
    }

    /** Purges every deleted key whose automatic purge has come (the maintenance sweep); returns how many. */
    public int purgeDue(Instant now) {
        OffsetDateTime due = OffsetDateTime.ofInstant(now, ZoneOffset.UTC).minus(policy.automaticPurge());
        List<UUID> keys = dsl.select(ROOT_KEYS.ID).from(ROOT_KEYS)
                .where(ROOT_KEYS.STATE.eq((short) RootKeyState.DESTROYED.code())
                        .and(ROOT_KEYS.PURGED_AT.isNull()).and(ROOT_KEYS.DELETED_AT.le(due)))
                .fetch(ROOT_KEYS.ID);
        int purged = 0;
        for (UUID id : keys) {
            boolean done = dsl.transactionResult(tx -> {
                RootKeysRecord row = lockForUpdate(tx.dsl(), id);
                if (row.getPurgedAt() != null || row.getState() != RootKeyState.DESTROYED.code()) {
                    return false; // another node purged or restored it since
                }
                recordPurge(tx.dsl(), row, Timestamps.now(clock), SCHEDULED_PURGE, "purged "
                        + policy.automaticPurge().toDays() + " days after its deletion");
                return true;
            });
            if (done) {
                destroyVersionsOnHsm(id);
                purged++;
            }
        }
        return purged;
    }

    private RootKey recordPurge(DSLContext context, RootKeysRecord row, OffsetDateTime now, Requester requester,
                                String why) {
        row.setPurgedAt(now);
        row.setUpdatedAt(now);
        row.store();
        context.update(ROOT_KEY_VERSIONS).set(ROOT_KEY_VERSIONS.DESTROYED_AT, now)
                .where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(row.getId()).and(ROOT_KEY_VERSIONS.DESTROYED_AT.isNull()))
                .execute();
        audit.recordChange(context, requester, "root_key.purge", row.getId().toString(), why
                + ": every version destroyed on the HSM");
        return toRootKey(row);
    }

    private void destroyVersionsOnHsm(UUID rootKeyId) {
        dsl.select(ROOT_KEY_VERSIONS.HSM_LABEL).from(ROOT_KEY_VERSIONS)
                .where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(rootKeyId)).fetch(ROOT_KEY_VERSIONS.HSM_LABEL)
                .forEach(hsm::destroyRootKey);
    }

    /** The versions of a root key, newest first. */
    public List<RootKeyVersion> versions(UUID instanceId, String id) {
        RootKey key = get(instanceId, id);
        return dsl.selectFrom(ROOT_KEY_VERSIONS).where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(key.id()))
                .orderBy(ROOT_KEY_VERSIONS.VERSION.desc())
                .fetch(row -> new RootKeyVersion(key.id(), row.getVersion(), Timestamps.instant(row.getCreatedAt()),
                        Timestamps.instant(row.getDestroyedAt())));
    }

    /** A version of a root key; its HSM object is gone once {@code destroyedAt} is set. */
    public record RootKeyVersion(UUID rootKeyId, int version, Instant createdAt, Instant destroyedAt) {
    }

    /**
     * Destroys the versions below {@code belowVersion} that no sealed KMIP key depends on any more. For each, one
     * transaction locks the version row, checks again that no blob is sealed under it, and records the destruction;
     * only then is the HSM object destroyed. Nothing can seal a new blob under an old version (Create re-checks the
     * current version under the root key's lock) and re-wraps only move blobs away, so "unused" stays true once the
     * database has said it.
     */
    void destroyUnusedVersions(UUID rootKeyId, int belowVersion) {
        List<Integer> candidates = dsl.select(ROOT_KEY_VERSIONS.VERSION).from(ROOT_KEY_VERSIONS)
                .where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(rootKeyId).and(ROOT_KEY_VERSIONS.VERSION.lt(belowVersion))
                        .and(ROOT_KEY_VERSIONS.DESTROYED_AT.isNull()))
                .fetch(ROOT_KEY_VERSIONS.VERSION);
        for (int version : candidates) {
            String destroyed = dsl.transactionResult(tx -> {
                var row = tx.dsl().selectFrom(ROOT_KEY_VERSIONS).where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(rootKeyId)
                        .and(ROOT_KEY_VERSIONS.VERSION.eq(version))).forUpdate().fetchOne();
                boolean inUse = tx.dsl().fetchExists(KMIP_OBJECTS, KMIP_OBJECTS.ROOT_KEY_ID.eq(rootKeyId)
                        .and(KMIP_OBJECTS.ROOT_KEY_VERSION.eq(version)).and(KMIP_OBJECTS.SEALED_MATERIAL.isNotNull()));
                if (row.getDestroyedAt() != null || inUse) {
                    return null;
                }
                row.setDestroyedAt(Timestamps.now(clock));
                row.store();
                audit.recordChange(tx.dsl(), REWRAP, "root_key.version_destroy", rootKeyId.toString(),
                        "version " + version + ": no key is sealed under it any more");
                return row.getHsmLabel();
            });
            if (destroyed != null) {
                hsm.destroyRootKey(destroyed);
                AuditLog.log(REWRAP, "root_key.version_destroy", rootKeyId.toString(), AuditLog.SUCCESS,
                        "version " + version + " destroyed on the HSM");
            }
        }
    }

    /**
     * Destroys the HSM objects of versions the database records as destroyed but the token still holds: what a node
     * that died between the two steps left. Returns how many it destroyed.
     */
    int sweepDestroyedVersions() {
        List<String> recorded = dsl.select(ROOT_KEY_VERSIONS.HSM_LABEL).from(ROOT_KEY_VERSIONS)
                .where(ROOT_KEY_VERSIONS.DESTROYED_AT.isNotNull()).fetch(ROOT_KEY_VERSIONS.HSM_LABEL);
        if (recorded.isEmpty()) {
            return 0;
        }
        List<String> left = recorded.stream().filter(hsm.rootKeyLabels()::contains).toList();
        left.forEach(hsm::destroyRootKey);
        return left.size();
    }

    /** A root-key version the database names as live and the HSM does not hold, and the keys sealed under it. */
    public record MissingVersion(UUID rootKeyId, String rootKeyName, int version, boolean current,
                                 int sealedObjects) {
    }

    /**
     * After a database was restored from a backup onto an HSM that lived on: records as destroyed every version
     * the database names as live but the HSM no longer holds (a root key deleted, or a version retired, after the
     * backup was taken), and a root key whose current version is gone as deleted. Crypto-shredding stands: the keys
     * sealed under those versions stay unopenable, and now the records say so. Refuses, changing nothing, when the
     * HSM holds none of the live versions, which means the wrong token rather than deletions.
     */
    public List<MissingVersion> reconcileWithHsm(Requester requester) {
        Set<String> onHsm = hsm.rootKeyLabels();
        var live = dsl.select(ROOT_KEY_VERSIONS.ROOT_KEY_ID, ROOT_KEYS.NAME, ROOT_KEY_VERSIONS.VERSION,
                        ROOT_KEY_VERSIONS.HSM_LABEL, ROOT_KEYS.CURRENT_VERSION)
                .from(ROOT_KEY_VERSIONS).join(ROOT_KEYS).on(ROOT_KEYS.ID.eq(ROOT_KEY_VERSIONS.ROOT_KEY_ID))
                .where(ROOT_KEY_VERSIONS.DESTROYED_AT.isNull()).fetch();
        var missing = live.stream().filter(row -> !onHsm.contains(row.get(ROOT_KEY_VERSIONS.HSM_LABEL))).toList();
        if (!live.isEmpty() && missing.size() == live.size()) {
            throw new IllegalStateException("the HSM holds none of the "
                    + live.size() + " root-key versions the database names: this is not the token the database "
                    + "was used with; restore onto that token (or a copy of it), or restore the backup whole");
        }
        return missing.stream().map(row -> dsl.transactionResult(tx -> {
            UUID rootKeyId = row.get(ROOT_KEY_VERSIONS.ROOT_KEY_ID);
            int version = row.get(ROOT_KEY_VERSIONS.VERSION);
            boolean current = version == row.get(ROOT_KEYS.CURRENT_VERSION);
            OffsetDateTime now = Timestamps.now(clock);
            tx.dsl().update(ROOT_KEY_VERSIONS).set(ROOT_KEY_VERSIONS.DESTROYED_AT, now)
                    .where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(rootKeyId).and(ROOT_KEY_VERSIONS.VERSION.eq(version)))
                    .execute();
            if (current) {
                // Its HSM objects are gone: deleted and purged at once, nothing left to restore.
                tx.dsl().update(ROOT_KEYS).set(ROOT_KEYS.STATE, (short) RootKeyState.DESTROYED.code())
                        .set(ROOT_KEYS.STATE_CHANGED_AT, now).set(ROOT_KEYS.UPDATED_AT, now)
                        .set(ROOT_KEYS.DELETED_AT, DSL.coalesce(ROOT_KEYS.DELETED_AT, DSL.val(now)))
                        .set(ROOT_KEYS.PURGED_AT, now)
                        .where(ROOT_KEYS.ID.eq(rootKeyId)).execute();
            }
            int sealed = tx.dsl().fetchCount(KMIP_OBJECTS, KMIP_OBJECTS.ROOT_KEY_ID.eq(rootKeyId)
                    .and(KMIP_OBJECTS.ROOT_KEY_VERSION.eq(version)).and(KMIP_OBJECTS.SEALED_MATERIAL.isNotNull()));
            audit.recordChange(tx.dsl(), requester, "root_key.version_gone_from_hsm", rootKeyId.toString(),
                    "version " + version + " is not on the HSM (destroyed after the backup was taken); "
                            + sealed + " sealed key(s) cannot be opened" + (current ? "; the key is deleted" : ""));
            return new MissingVersion(rootKeyId, row.get(ROOT_KEYS.NAME), version, current, sealed);
        })).toList();
    }

    /** The version new KMIP keys of a root key are sealed under, and its HSM label. */
    record SealingVersion(int version, String hsmLabel) {
    }

    /** Version {@code version} of a root key, read in {@code context} (a transaction or not). */
    static SealingVersion version(DSLContext context, UUID rootKeyId, int version) {
        return context.select(ROOT_KEY_VERSIONS.HSM_LABEL).from(ROOT_KEY_VERSIONS)
                .where(ROOT_KEY_VERSIONS.ROOT_KEY_ID.eq(rootKeyId).and(ROOT_KEY_VERSIONS.VERSION.eq(version)))
                .fetchOptional(ROOT_KEY_VERSIONS.HSM_LABEL)
                .map(label -> new SealingVersion(version, label))
                .orElseThrow(() -> new IllegalStateException("root key " + rootKeyId + " has no version " + version));
    }

    /** The HSM label of one version of a root key, as recorded when it was made; for diagnostics. */
    public String hsmLabel(UUID rootKeyId, int version) {
        return version(dsl, rootKeyId, version).hsmLabel();
    }

    /**
     * Deactivates every Active or Suspended key whose expiration date is at or before {@code now}, each with its
     * audit event, and returns how many it deactivated. A Deactivated key still opens the KMIP keys sealed under it
     * (Key Protect's unwrap) but seals no new ones; it cannot be enabled again. Run by the custody's maintenance.
     */
    public int expireDue(Instant now) {
        return dsl.transactionResult(tx -> {
            OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
            List<UUID> expired = tx.dsl().update(ROOT_KEYS)
                    .set(ROOT_KEYS.STATE, (short) RootKeyState.DEACTIVATED.code())
                    .set(ROOT_KEYS.STATE_CHANGED_AT, at)
                    .set(ROOT_KEYS.UPDATED_AT, at)
                    .where(ROOT_KEYS.EXPIRATION_DATE.le(at).and(ROOT_KEYS.STATE.in(
                            (short) RootKeyState.ACTIVE.code(), (short) RootKeyState.SUSPENDED.code())))
                    .returning(ROOT_KEYS.ID).fetch(ROOT_KEYS.ID);
            for (UUID id : expired) {
                audit.recordChange(tx.dsl(), EXPIRY, "root_key.expire", id.toString(),
                        "its expiration date has come: Deactivated");
            }
            return expired.size();
        });
    }

    RootKey toRootKey(RootKeysRecord row) {
        return toRootKey(row, dsl.select(ROOT_KEY_ALIASES.ALIAS).from(ROOT_KEY_ALIASES)
                .where(ROOT_KEY_ALIASES.ROOT_KEY_ID.eq(row.getId())).orderBy(ROOT_KEY_ALIASES.CREATED_AT,
                        ROOT_KEY_ALIASES.ALIAS).fetch(ROOT_KEY_ALIASES.ALIAS));
    }

    RootKey toRootKey(RootKeysRecord row, List<String> aliases) {
        RootKey.Deletion deletion = null;
        if (row.getDeletedAt() != null && row.getPurgedAt() == null) {
            Instant deleted = row.getDeletedAt().toInstant();
            deletion = new RootKey.Deletion(deleted, row.getDeletedBy(), deleted.plus(policy.purgeDelay()),
                    deleted.plus(policy.automaticPurge()), deleted.plus(policy.restoreWindow()));
        }
        RootKey.DualAuthDelete dualAuth = new RootKey.DualAuthDelete(Boolean.TRUE.equals(row.getDualAuthDelete()),
                row.getDeletionAuthorizedBy(), row.getDeletionAuthorizedAt() == null ? null
                : row.getDeletionAuthorizedAt().toInstant().plus(DELETION_AUTHORIZATION_LIFETIME));
        return new RootKey(row.getId(), row.getInstanceId(), row.getName(), row.getDescription(),
                RootKeyState.ofCode(row.getState()), row.getCurrentVersion(), Timestamps.instant(row.getCreatedAt()),
                row.getCreatedBy(), Timestamps.instant(row.getUpdatedAt()), Timestamps.instant(row.getLastRotatedAt()),
                aliases, Timestamps.instant(row.getExpirationDate()), deletion, dualAuth,
                Boolean.TRUE.equals(row.getImported()),
                row.getBitLength() == null ? null : row.getBitLength().intValue());
    }
}
