package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.API_TOKENS;
import static org.kmipappliance.hsm.store.jooq.Tables.INSTANCES;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.store.jooq.tables.records.ApiTokensRecord;
import org.kmipappliance.hsm.store.jooq.tables.records.InstancesRecord;

/** Instances (tenants) and the API tokens that act on them. */
public final class AccessControl {
    /** Bearer secrets are this prefix and 32 random bytes in base64url, so a leaked one is easy to grep for. */
    static final String TOKEN_PREFIX = "kmipapp_";
    private static final int TOKEN_RANDOM_BYTES = 32;
    /**
     * Live API tokens an instance may hold. Tokens belong to people and automation (a handful per instance);
     * every request looks its token up, so their number is bounded like every other table a client can grow.
     */
    public static final int MAX_TOKENS_PER_INSTANCE = 100;
    /** The latest expiry a token may have: the last instant PostgreSQL and every client store without surprises. */
    public static final Instant LATEST_TOKEN_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");
    /** The advisory lock that orders nodes bootstrapping an empty appliance (a number no other lock uses). */
    private static final long BOOTSTRAP_LOCK = 0x6b6d6970_0002L;

    private final DSLContext dsl;
    private final AuditLog audit;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    AccessControl(DSLContext dsl, AuditLog audit, Clock clock) {
        this.dsl = dsl;
        this.audit = audit;
        this.clock = clock;
    }

    public Instance createInstance(String name, Requester requester) {
        return dsl.transactionResult(tx -> insertInstance(tx.dsl(), name, requester));
    }

    private Instance insertInstance(DSLContext tx, String name, Requester requester) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "name",
                    "an instance name must be 1 to 100 characters");
        }
        InstancesRecord row = tx.newRecord(INSTANCES);
        row.setId(UUID.randomUUID());
        row.setName(name);
        row.setCreatedAt(Timestamps.now(clock));
        row.store();
        audit.recordChange(tx, requester, "instance.create", row.getId().toString(), name);
        return toInstance(row);
    }

    /**
     * The first start of an empty appliance: an instance and a Manager token on it, in one transaction, by exactly
     * one of the nodes that may start at once (an advisory lock orders them). Empty if any instance exists.
     */
    public Optional<IssuedApiToken> bootstrap(String instanceName, String tokenDescription, Requester requester) {
        return dsl.transactionResult(tx -> {
            tx.dsl().select(DSL.field("pg_advisory_xact_lock({0})", Object.class, BOOTSTRAP_LOCK)).fetch();
            if (tx.dsl().fetchExists(INSTANCES)) {
                return Optional.empty();
            }
            Instance instance = insertInstance(tx.dsl(), instanceName, requester);
            return Optional.of(insertToken(tx.dsl(), instance.id(), tokenDescription, EnumSet.of(Role.MANAGER), null,
                    requester));
        });
    }

    public Optional<Instance> findInstance(UUID id) {
        return dsl.selectFrom(INSTANCES).where(INSTANCES.ID.eq(id)).fetchOptional().map(AccessControl::toInstance);
    }

    public boolean anyInstanceExists() {
        return dsl.fetchExists(INSTANCES);
    }

    public Optional<Instance> findInstanceByName(String name) {
        return dsl.selectFrom(INSTANCES).where(INSTANCES.NAME.eq(name)).fetchOptional()
                .map(AccessControl::toInstance);
    }

    /** Issues a token with {@code roles} on the instance; the secret is in the result and nowhere else. */
    public IssuedApiToken issueToken(UUID instanceId, String description, Set<Role> roles, Instant expiresAt,
                                     Requester requester) {
        if (findInstance(instanceId).isEmpty()) {
            throw new CustodyException(CustodyException.Failure.INSTANCE_NOT_FOUND, "instance " + instanceId
                    + " does not exist");
        }
        return dsl.transactionResult(tx -> insertToken(tx.dsl(), instanceId, description, roles, expiresAt,
                requester));
    }

    private IssuedApiToken insertToken(DSLContext tx, UUID instanceId, String description, Set<Role> roles,
                                       Instant expiresAt, Requester requester) {
        if (roles.isEmpty()) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "roles",
                    "an API token needs at least one role");
        }
        Instant now = clock.instant();
        if (expiresAt != null && (!expiresAt.isAfter(now) || expiresAt.isAfter(LATEST_TOKEN_EXPIRY))) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "expires_at", "a token's expiry must "
                    + "lie in the future and before the year 10000, not " + expiresAt);
        }
        tx.selectFrom(INSTANCES).where(INSTANCES.ID.eq(instanceId)).forUpdate().fetchOne();
        int live = tx.fetchCount(API_TOKENS, API_TOKENS.INSTANCE_ID.eq(instanceId)
                .and(API_TOKENS.REVOKED_AT.isNull())
                .and(API_TOKENS.EXPIRES_AT.isNull().or(API_TOKENS.EXPIRES_AT.gt(Timestamps.now(clock)))));
        if (live >= MAX_TOKENS_PER_INSTANCE) {
            throw new CustodyException(CustodyException.Failure.TOKEN_LIMIT_REACHED, "instance " + instanceId
                    + " has " + live + " live API tokens, the most it may; revoke tokens no longer used");
        }
        byte[] randomBytes = new byte[TOKEN_RANDOM_BYTES];
        random.nextBytes(randomBytes);
        String secret = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes);
        ApiTokensRecord row = tx.newRecord(API_TOKENS);
        row.setId(UUID.randomUUID());
        row.setInstanceId(instanceId);
        row.setSecretSha256(sha256(secret));
        row.setDescription(Names.description(description, "description"));
        row.setRoles(roles.stream().map(Role::displayName).sorted().collect(Collectors.joining(",")));
        row.setCreatedAt(Timestamps.now(clock));
        row.setExpiresAt(expiresAt == null ? null : OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC));
        row.insert();
        audit.recordChange(tx, requester, "api_token.create", row.getId().toString(), "roles "
                + row.getRoles() + (expiresAt == null ? "" : ", expires " + expiresAt));
        return new IssuedApiToken(row.getId(), instanceId, secret);
    }

    /** The principal of a live token (not revoked, not expired), or empty. */
    public Optional<ApiPrincipal> authenticate(String secret) {
        if (secret == null || !secret.startsWith(TOKEN_PREFIX) || secret.length() > 128) {
            return Optional.empty();
        }
        OffsetDateTime now = Timestamps.now(clock);
        return dsl.selectFrom(API_TOKENS)
                .where(API_TOKENS.SECRET_SHA256.eq(sha256(secret)))
                .and(API_TOKENS.REVOKED_AT.isNull())
                .and(API_TOKENS.EXPIRES_AT.isNull().or(API_TOKENS.EXPIRES_AT.gt(now)))
                .fetchOptional()
                .map(row -> new ApiPrincipal(row.getId(), row.getInstanceId(), parseRoles(row.getRoles())));
    }

    /** An API token as listed to administrators: never its secret. */
    public record TokenInfo(UUID id, String description, Set<Role> roles, Instant createdAt, Instant expiresAt,
                            Instant revokedAt) {
    }

    public List<TokenInfo> listTokens(UUID instanceId) {
        return dsl.selectFrom(API_TOKENS).where(API_TOKENS.INSTANCE_ID.eq(instanceId))
                .orderBy(API_TOKENS.CREATED_AT.desc())
                .fetch(row -> new TokenInfo(row.getId(), row.getDescription(), parseRoles(row.getRoles()),
                        Timestamps.instant(row.getCreatedAt()), Timestamps.instant(row.getExpiresAt()),
                        Timestamps.instant(row.getRevokedAt())));
    }

    /** Revokes a token of the instance: it stops authenticating at once. Revoking twice is harmless. */
    public void revokeToken(UUID instanceId, UUID tokenId, Requester requester) {
        dsl.transaction(tx -> {
            int found = tx.dsl().update(API_TOKENS).set(API_TOKENS.REVOKED_AT, DSL.coalesce(API_TOKENS.REVOKED_AT,
                            DSL.val(Timestamps.now(clock))))
                    .where(API_TOKENS.ID.eq(tokenId).and(API_TOKENS.INSTANCE_ID.eq(instanceId)))
                    .execute();
            if (found == 0) {
                throw new CustodyException(CustodyException.Failure.TOKEN_NOT_FOUND, "API token " + tokenId
                        + " does not exist in this instance");
            }
            audit.recordChange(tx.dsl(), requester, "api_token.revoke", tokenId.toString(), null);
        });
    }

    private static Set<Role> parseRoles(String roles) {
        Set<Role> parsed = EnumSet.noneOf(Role.class);
        for (String role : roles.split(",")) {
            Role.parse(role).ifPresent(parsed::add);
        }
        return parsed;
    }

    private static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static Instance toInstance(InstancesRecord row) {
        return new Instance(row.getId(), row.getName(), Timestamps.instant(row.getCreatedAt()));
    }
}
