package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.IMPORT_TOKENS;
import static org.kmipappliance.hsm.store.jooq.Tables.INSTANCES;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.kmipappliance.hsm.store.jooq.tables.records.ImportTokensRecord;

/**
 * Key Protect's import tokens: per instance, an RSA-4096 transport key made by the HSM, whose public half (with a
 * nonce) clients retrieve a bounded number of times before it expires, to wrap the root-key material they bring.
 * The private half never leaves the HSM, which unwraps with it ({@link RootKeys} imports).
 *
 * <p>The database decides first: a new token's row is committed (superseding the instance's current one) before
 * the HSM makes its key pair, so a crash in between leaves a row the sweep cleans up, never an HSM object no row
 * names. The sweep destroys the transport keys of superseded and expired tokens, then their rows.
 */
public final class ImportTokens {
    /** Key Protect's bounds and defaults for a token's lifetime and retrievals. */
    public static final Duration MIN_LIFETIME = Duration.ofMinutes(5);
    public static final Duration MAX_LIFETIME = Duration.ofHours(24);
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(10);
    public static final int DEFAULT_RETRIEVALS = 1;
    public static final int MAX_RETRIEVALS = 500;
    private static final int NONCE_BYTES = 12;
    private static final System.Logger LOG = System.getLogger(ImportTokens.class.getName());

    private final DSLContext dsl;
    private final TimedHsm hsm;
    private final AuditLog audit;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    ImportTokens(DSLContext dsl, TimedHsm hsm, AuditLog audit, Clock clock) {
        this.dsl = dsl;
        this.hsm = hsm;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * An import token's terms.
     *
     * @param remainingRetrievals how many more times its public key and nonce may be retrieved
     */
    public record ImportToken(Instant createdAt, Instant expiresAt, int maxAllowedRetrievals,
                              int remainingRetrievals) {
    }

    /** What a retrieval hands out: the terms, the public key (X.509 DER) and the nonce to encrypt. */
    public record TransportKey(ImportToken token, byte[] publicKey, byte[] nonce) {
    }

    /** The current token's HSM key and nonce, for an import. */
    record Current(String hsmLabel, byte[] nonce) {
    }

    /**
     * Makes the instance's import token, superseding the one it had: valid for {@code lifetime} (5 minutes to 24
     * hours), retrievable {@code maxRetrievals} times (1 to 500).
     */
    public ImportToken create(UUID instanceId, Duration lifetime, int maxRetrievals, Requester requester) {
        if (lifetime.compareTo(MIN_LIFETIME) < 0 || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "expiration", "an import token lasts "
                    + MIN_LIFETIME.toSeconds() + " to " + MAX_LIFETIME.toSeconds() + " seconds, not "
                    + lifetime.toSeconds());
        }
        if (maxRetrievals < 1 || maxRetrievals > MAX_RETRIEVALS) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "maxAllowedRetrievals", "an import "
                    + "token may be retrieved 1 to " + MAX_RETRIEVALS + " times, not " + maxRetrievals);
        }
        byte[] suffix = new byte[4];
        random.nextBytes(suffix);
        String label = "import-" + instanceId + "-" + HexFormat.of().formatHex(suffix);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        OffsetDateTime now = Timestamps.now(clock);
        ImportTokensRecord row = dsl.transactionResult(tx -> {
            tx.dsl().selectFrom(INSTANCES).where(INSTANCES.ID.eq(instanceId)).forUpdate().fetchOne();
            tx.dsl().update(IMPORT_TOKENS).set(IMPORT_TOKENS.SUPERSEDED_AT, now)
                    .where(IMPORT_TOKENS.INSTANCE_ID.eq(instanceId).and(IMPORT_TOKENS.SUPERSEDED_AT.isNull()))
                    .execute();
            ImportTokensRecord token = tx.dsl().newRecord(IMPORT_TOKENS);
            token.setHsmLabel(label);
            token.setInstanceId(instanceId);
            token.setNonce(nonce);
            token.setCreatedAt(now);
            token.setCreatedBy(requester.actor());
            token.setExpiresAt(now.plus(lifetime));
            token.setMaxRetrievals(maxRetrievals);
            token.setRemainingRetrievals(maxRetrievals);
            token.store();
            audit.recordChange(tx.dsl(), requester, "import_token.create", label, "expires "
                    + token.getExpiresAt().toInstant() + ", " + maxRetrievals + " retrieval(s)");
            return token;
        });
        byte[] publicKey = hsm.createTransportKey(label);
        if (dsl.update(IMPORT_TOKENS).set(IMPORT_TOKENS.PUBLIC_KEY, publicKey)
                .where(IMPORT_TOKENS.HSM_LABEL.eq(label)).execute() == 0) {
            // A newer token (made here or on another node while the HSM made this pair) superseded this one and the
            // sweep forgot its row before its key existed: no row names the key now, so it goes at once.
            hsm.destroyTransportKey(label);
            throw new CustodyException(CustodyException.Failure.IMPORT_TOKEN_NOT_FOUND, "a newer import token "
                    + "superseded this one while it was being made; retrieve that one, or create another");
        }
        sweep();
        return terms(row);
    }

    /**
     * Hands out the current token's public key and nonce, counting one retrieval: Key Protect's GET of the import
     * token. Fails when there is none, it has expired, or its retrievals are used up.
     */
    public TransportKey retrieve(UUID instanceId, Requester requester) {
        return dsl.transactionResult(tx -> {
            ImportTokensRecord row = current(tx.dsl(), instanceId);
            if (row.getRemainingRetrievals() <= 0) {
                throw new CustodyException(CustodyException.Failure.IMPORT_TOKEN_EXHAUSTED, "the import token "
                        + "was retrieved " + row.getMaxRetrievals() + " time(s), all it allows; create a new one");
            }
            row.setRemainingRetrievals(row.getRemainingRetrievals() - 1);
            row.store();
            audit.recordChange(tx.dsl(), requester, "import_token.retrieve", row.getHsmLabel(),
                    row.getRemainingRetrievals() + " retrieval(s) left");
            return new TransportKey(terms(row), row.getPublicKey(), row.getNonce());
        });
    }

    /** The current, unexpired token an import is wrapped for. */
    Current forImport(DSLContext context, UUID instanceId) {
        ImportTokensRecord row = current(context, instanceId);
        return new Current(row.getHsmLabel(), row.getNonce());
    }

    private ImportTokensRecord current(DSLContext context, UUID instanceId) {
        ImportTokensRecord row = context.selectFrom(IMPORT_TOKENS)
                .where(IMPORT_TOKENS.INSTANCE_ID.eq(instanceId).and(IMPORT_TOKENS.SUPERSEDED_AT.isNull()))
                .forUpdate().fetchOne();
        if (row == null || row.getPublicKey() == null) {
            throw new CustodyException(CustodyException.Failure.IMPORT_TOKEN_NOT_FOUND, "this instance has no "
                    + "import token; create one (POST /api/v2/import_token), retrieve it, and wrap the key material "
                    + "with its public key");
        }
        if (!row.getExpiresAt().isAfter(Timestamps.now(clock))) {
            throw new CustodyException(CustodyException.Failure.IMPORT_TOKEN_EXPIRED, "the import token expired at "
                    + row.getExpiresAt().toInstant() + "; create a new one and wrap the key material again");
        }
        return row;
    }

    /** Whether {@code decrypted} is the nonce of the token the import used, in constant time. */
    static boolean nonceMatches(Current token, byte[] decrypted) {
        return MessageDigest.isEqual(token.nonce(), decrypted);
    }

    /**
     * Destroys the transport keys of superseded and expired tokens, then forgets them; returns how many. A key the
     * HSM cannot destroy now keeps its row, so the next sweep tries again.
     */
    int sweep() {
        List<String> done = dsl.select(IMPORT_TOKENS.HSM_LABEL).from(IMPORT_TOKENS)
                .where(IMPORT_TOKENS.SUPERSEDED_AT.isNotNull().or(IMPORT_TOKENS.EXPIRES_AT.le(Timestamps.now(clock))))
                .fetch(IMPORT_TOKENS.HSM_LABEL);
        int swept = 0;
        for (String label : done) {
            try {
                hsm.destroyTransportKey(label);
                dsl.deleteFrom(IMPORT_TOKENS).where(IMPORT_TOKENS.HSM_LABEL.eq(label)).execute();
                swept++;
            } catch (HsmException e) {
                LOG.log(System.Logger.Level.WARNING, "could not destroy the import token key " + label
                        + " now; the next sweep tries again: " + e.getMessage());
            }
        }
        return swept;
    }

    private static ImportToken terms(ImportTokensRecord row) {
        return new ImportToken(row.getCreatedAt().toInstant(), row.getExpiresAt().toInstant(),
                row.getMaxRetrievals(), row.getRemainingRetrievals());
    }
}
