package org.kmipappliance.hsm;

import java.security.ProviderException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.DatabaseUnavailable;

/**
 * The single key-custody API that the KMIP and REST tiers call. It owns nothing: the HSM and the database are
 * opened and closed by whoever wires the appliance.
 */
public final class KeyCustody implements AutoCloseable {
    private final AccessControl access;
    private final RootKeys rootKeys;
    private final KmipAdapters adapters;
    private final ClientCertificates certificates;
    private final KmipObjects objects;
    private final UsageMetering usage;
    private final ImportTokens importTokens;
    private final AuditLog audit;
    private final CertificateRemovals certificateRemovals = new CertificateRemovals();

    private final Metrics metrics;
    private final TimedHsm hsm;
    private final HsmObjectIntents intents;
    private final CustodyDatabase database;
    private final Clock clock;

    private final RootKeyRewrap rewrap;
    private volatile boolean closing;
    private Thread maintenance;

    private static final System.Logger LOG = System.getLogger(KeyCustody.class.getName());
    /** The advisory lock that orders nodes making the HSM probe key (an arbitrary number no other lock uses). */
    private static final long PROBE_KEY_LOCK = 0x6b6d6970_0001L;

    /** Concurrent HSM calls when the configuration does not say. */
    public static final int DEFAULT_HSM_SESSIONS = 16;

    /** Custody with Key Protect's root-key timing rules. */
    public KeyCustody(Hsm hsm, CustodyDatabase database, Clock clock) {
        this(hsm, database, clock, RootKeyPolicy.KEY_PROTECT);
    }

    public KeyCustody(Hsm hsm, CustodyDatabase database, Clock clock, RootKeyPolicy policy) {
        this(hsm, database, clock, policy, DEFAULT_HSM_SESSIONS);
    }

    /**
     * Custody on an HSM and a database; HSM calls are timed into the database's metrics, shared by all tiers,
     * and at most {@code hsmSessions} run at once.
     */
    public KeyCustody(Hsm hsm, CustodyDatabase database, Clock clock, RootKeyPolicy policy, int hsmSessions) {
        this.metrics = database.metrics();
        this.hsm = new TimedHsm(hsm, metrics, hsmSessions);
        this.database = database;
        this.clock = clock;
        this.audit = new AuditLog(database, clock);
        this.access = new AccessControl(database.dsl(), audit, clock);
        this.intents = new HsmObjectIntents(database.dsl(), this.hsm, clock);
        this.importTokens = new ImportTokens(database.dsl(), this.hsm, audit, clock);
        this.rootKeys = new RootKeys(database.dsl(), this.hsm, intents, audit, clock, policy, importTokens);
        this.adapters = new KmipAdapters(database.dsl(), rootKeys, certificateRemovals, audit, clock);
        this.certificates = new ClientCertificates(database, adapters, certificateRemovals, audit, clock);
        this.objects = new KmipObjects(database, this.hsm, adapters, audit, clock);
        this.rewrap = new RootKeyRewrap(database, this.hsm, rootKeys, clock);
        this.usage = new UsageMetering(database.dsl(), clock, metrics);
        rootKeys.useRewrap(rewrap);
    }

    /** Where the KMIP tier learns that certificates were removed. */
    public CertificateRemovals certificateRemovals() {
        return certificateRemovals;
    }

    /**
     * Runs {@code work} as one database transaction: what custody records on this thread meanwhile is kept together
     * when {@code keep} accepts the result, else undone together (KMIP's Undo batch option), as are the audit
     * events of those changes. The KMIP operations change nothing but the database (their keys are sealed into it;
     * key pairs are session objects of the HSM, gone when read), so undoing the transaction undoes them whole.
     */
    public <T> T inOneTransaction(Supplier<T> work, Predicate<T> keep) {
        return database.inOneTransaction(work, keep);
    }

    /** Whether the database and the HSM answer, by name. */
    public Map<String, Boolean> health() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("database", database.isReachable());
        checks.put("hsm", hsmAnswers());
        return checks;
    }

    /** Whether the HSM completes a real operation: a seal with the probe key, made first if it is missing. */
    private boolean hsmAnswers() {
        try {
            try {
                hsm.probe();
            } catch (HsmKeyMissingException e) {
                createProbeKey();
                hsm.probe();
            }
            return true;
        } catch (HsmException | ProviderException | DataAccessException e) {
            return false;
        }
    }

    /**
     * Makes the HSM's probe key once for all nodes sharing the token: a transaction-scoped advisory lock orders the
     * nodes, so two starting at once cannot both make it (two objects with one label would break every listing).
     */
    private void createProbeKey() {
        database.dsl().transaction(tx -> {
            tx.dsl().select(DSL.field("pg_advisory_xact_lock({0})", Object.class, PROBE_KEY_LOCK)).fetch();
            hsm.createProbeKeyIfMissing();
        });
    }

    /**
     * Work that keeps custody tidy whatever crashed before: HSM objects of attempts that never finished, and of
     * versions recorded as destroyed that the token still holds. Safe on every node at any time.
     */
    public void sweep() {
        int abandoned = intents.sweep();
        int destroyed = rootKeys.sweepDestroyedVersions();
        int transportKeys = importTokens.sweep();
        if (abandoned + destroyed + transportKeys > 0) {
            LOG.log(System.Logger.Level.INFO, "custody sweep: destroyed {0} HSM object(s) of unfinished attempts, "
                    + "{1} of destroyed versions and {2} of expired or superseded import tokens", abandoned,
                    destroyed, transportKeys);
        }
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The re-wrap jobs that follow rotations; call {@link RootKeyRewrap#resumeAll()} once at start. */
    public RootKeyRewrap rewrap() {
        return rewrap;
    }

    /**
     * Starts what a node runs in the background until it is closed: it hears other nodes' certificate removals, and
     * every {@code interval} it sweeps what crashes left, takes up re-wrap jobs no node works on (those of a node
     * that died) and deactivates the root keys whose expiration date has come.
     */
    public synchronized void startBackgroundWork(Duration interval) {
        if (maintenance != null) {
            return;
        }
        certificateRemovals.listen(database);
        maintenance = Thread.ofVirtual().name("custody-maintenance").start(() -> {
            while (!closing) {
                try {
                    Thread.sleep(interval);
                    sweep();
                    rewrap.resumeAll();
                    rootKeys.expireDue(clock.instant());
                    rootKeys.purgeDue(clock.instant());
                    usage.recordIfDue();
                    objects.recordDueTransitions();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    if (DatabaseUnavailable.is(e)) {
                        DatabaseUnavailable.report(e, Clock.systemUTC());
                    } else {
                        LOG.log(System.Logger.Level.WARNING, "custody maintenance failed; it runs again in "
                                + interval.toSeconds() + " s", e);
                    }
                }
            }
        });
    }

    /** Stops background work; the HSM and the database are closed by their owner. */
    @Override
    public void close() {
        closing = true;
        Thread running;
        synchronized (this) {
            running = maintenance;
        }
        if (running != null) {
            running.interrupt();
        }
        certificateRemovals.close();
        rewrap.stop();
    }

    public AuditLog audit() {
        return audit;
    }

    public AccessControl access() {
        return access;
    }

    public RootKeys rootKeys() {
        return rootKeys;
    }

    public KmipAdapters adapters() {
        return adapters;
    }

    public ClientCertificates certificates() {
        return certificates;
    }

    public ImportTokens importTokens() {
        return importTokens;
    }

    public UsageMetering usage() {
        return usage;
    }

    public KmipObjects objects() {
        return objects;
    }
}
