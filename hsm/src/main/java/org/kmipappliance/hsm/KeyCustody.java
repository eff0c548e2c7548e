package org.kmipappliance.hsm;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.store.CustodyDatabase;

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
    private final AuditLog audit;
    private final CertificateRemovals certificateRemovals = new CertificateRemovals();

    private final Metrics metrics;
    private final Pkcs11Hsm hsm;
    private final CustodyDatabase database;

    private final RootKeyRewrap rewrap;

    /** Concurrent HSM calls when the configuration does not say. */
    public static final int DEFAULT_HSM_SESSIONS = 16;

    /** Custody with Key Protect's root-key timing rules. */
    public KeyCustody(Pkcs11Hsm hsm, CustodyDatabase database, Clock clock) {
        this(hsm, database, clock, RootKeyPolicy.KEY_PROTECT);
    }

    public KeyCustody(Pkcs11Hsm hsm, CustodyDatabase database, Clock clock, RootKeyPolicy policy) {
        this(hsm, database, clock, policy, DEFAULT_HSM_SESSIONS);
    }

    /**
     * Custody on an HSM and a database; HSM calls are timed into the database's metrics, shared by all tiers,
     * and at most {@code hsmSessions} run at once.
     */
    public KeyCustody(Pkcs11Hsm hsm, CustodyDatabase database, Clock clock, RootKeyPolicy policy, int hsmSessions) {
        this.metrics = database.metrics();
        this.hsm = hsm;
        this.database = database;
        this.access = new AccessControl(database.dsl(), clock);
        this.rootKeys = new RootKeys(database.dsl(), hsm, clock, policy);
        this.adapters = new KmipAdapters(database.dsl(), rootKeys, certificateRemovals, clock);
        this.certificates = new ClientCertificates(database.dsl(), adapters, certificateRemovals, clock);
        TimedHsm timedHsm = new TimedHsm(hsm, metrics, hsmSessions);
        this.objects = new KmipObjects(database.dsl(), timedHsm, adapters, rootKeys, clock);
        this.rewrap = new RootKeyRewrap(database.dsl(), timedHsm, rootKeys, clock);
        rootKeys.useRewrap(rewrap);
        this.audit = new AuditLog(database.dsl(), clock);
    }

    /** Where the KMIP tier learns that certificates were removed. */
    public CertificateRemovals certificateRemovals() {
        return certificateRemovals;
    }

    /** Whether the database and the HSM answer, by name. */
    public Map<String, Boolean> health() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("database", database.isReachable());
        checks.put("hsm", hsm.isAvailable());
        return checks;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The re-wrap jobs that follow rotations; call {@link RootKeyRewrap#resumeAll()} once at start. */
    public RootKeyRewrap rewrap() {
        return rewrap;
    }

    /** Stops background work (re-wrap jobs); the HSM and the database are closed by their owner. */
    @Override
    public void close() {
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

    public KmipObjects objects() {
        return objects;
    }
}
