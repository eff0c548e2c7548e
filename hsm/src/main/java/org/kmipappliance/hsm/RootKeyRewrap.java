package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.store.jooq.Tables.REWRAP_FAILURES;
import static org.kmipappliance.hsm.store.jooq.Tables.REWRAP_JOBS;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.jooq.tables.records.KmipObjectsRecord;
import org.kmipappliance.hsm.store.jooq.tables.records.RewrapJobsRecord;

/**
 * Moves the KMIP keys of a rotated root key to its new version: each key is opened with its old version and
 * sealed with the new one by the HSM, one short transaction per key, in batches, on a virtual thread. The work
 * left is always read from the keys themselves (those still on an older version), so a job killed half-way simply
 * continues where it stopped. When a job finishes, the HSM objects of versions no key depends on any more are
 * destroyed.
 *
 * <p>Nodes sharing the database run each job on exactly one node: the one that holds the job's advisory lock, on a
 * session of its own. {@link #resumeAll()} runs on every node at start and then periodically; if the node running a
 * job dies, PostgreSQL ends its session and releases the lock, and the next node to look takes the job over.
 */
public final class RootKeyRewrap {
    private static final System.Logger LOG = System.getLogger(RootKeyRewrap.class.getName());
    /** Keys fetched per batch: small enough to stop promptly, large enough to amortise the query. */
    static final int BATCH = 200;
    /** How long a job waits before retrying after the HSM or database failed. */
    private static final Duration RETRY_DELAY = Duration.ofSeconds(5);
    static final String RUNNING = "running";
    static final String FINISHED = "finished";
    static final String SUPERSEDED = "superseded";

    /** The advisory-lock class of re-wrap jobs ("kmip" in ASCII); the job id is the object id. */
    private static final int JOB_LOCK_CLASS = 0x6b6d6970;

    private final DSLContext dsl;
    private final CustodyDatabase database;
    private final TimedHsm hsm;
    private final RootKeys rootKeys;
    private final Clock clock;
    private final Set<Long> active = ConcurrentHashMap.newKeySet();
    /** Keys still to re-seal, per job this node runs: counted when it takes the job up, then counted down. */
    private final ConcurrentMap<Long, AtomicLong> remaining = new ConcurrentHashMap<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Metrics metrics;

    RootKeyRewrap(CustodyDatabase database, TimedHsm hsm, RootKeys rootKeys, Clock clock) {
        this.dsl = database.dsl();
        this.database = database;
        this.hsm = hsm;
        this.rootKeys = rootKeys;
        this.clock = clock;
        this.metrics = database.metrics();
        metrics.gauge("kmip_appliance_rewrap_jobs_running", "Re-wrap jobs this node runs now", active::size);
        metrics.gauge("kmip_appliance_rewrap_keys_remaining", "KMIP keys the re-wrap jobs of this node have still "
                + "to re-seal under their root key's newest version",
                () -> remaining.values().stream().mapToLong(AtomicLong::get).sum());
    }

    /** Records a job to move every key of the root key to {@code toVersion}; older jobs of the key are superseded. */
    long createJob(DSLContext tx, UUID rootKeyId, int toVersion, OffsetDateTime now) {
        tx.update(REWRAP_JOBS).set(REWRAP_JOBS.STATE, SUPERSEDED)
                .where(REWRAP_JOBS.ROOT_KEY_ID.eq(rootKeyId).and(REWRAP_JOBS.STATE.eq(RUNNING))).execute();
        int total = tx.fetchCount(KMIP_OBJECTS, pending(rootKeyId, toVersion));
        RewrapJobsRecord job = tx.newRecord(REWRAP_JOBS);
        job.setRootKeyId(rootKeyId);
        job.setToVersion(toVersion);
        job.setTotal(total);
        job.setState(RUNNING);
        job.setStartedAt(now);
        job.store();
        return job.getId();
    }

    /**
     * Takes up every running job that no node works on: those a crash or a stop interrupted, here or on a node that
     * died. Safe to call on every node at any time.
     */
    public void resumeAll() {
        for (Long job : dsl.select(REWRAP_JOBS.ID).from(REWRAP_JOBS).where(REWRAP_JOBS.STATE.eq(RUNNING))
                .fetch(REWRAP_JOBS.ID)) {
            start(job);
        }
    }

    /** Runs the job on a virtual thread, unless it already runs here or on another node. */
    void start(long job) {
        if (!stopping.get() && active.add(job)) {
            Thread.ofVirtual().name("rewrap-" + job).start(() -> {
                try {
                    runWhileHoldingTheJob(job);
                } finally {
                    active.remove(job);
                }
            });
        }
    }

    /**
     * Runs the job if this node gets its advisory lock, on a session of its own that lives as long as the work: if
     * this node dies, PostgreSQL ends the session and another node can take the job.
     */
    private void runWhileHoldingTheJob(long jobId) {
        try (Connection session = database.openSession();
             PreparedStatement lock = session.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            lock.setInt(1, JOB_LOCK_CLASS);
            lock.setInt(2, (int) jobId);
            try (ResultSet locked = lock.executeQuery()) {
                if (!locked.next() || !locked.getBoolean(1)) {
                    return; // another node runs it
                }
            }
            LOG.log(System.Logger.Level.INFO, "re-wrap job {0} runs on this node ({1})", jobId,
                    CustodyDatabase.NODE_NAME);
            try {
                runToCompletion(jobId);
            } finally {
                remaining.remove(jobId);
            }
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "re-wrap job {0} could not be taken up now ({1}); it will be "
                    + "tried again", jobId, e.getMessage());
        }
    }

    /** Whether any job is running in this process. */
    public boolean busy() {
        return !active.isEmpty();
    }

    /** Stops the jobs of this process after the key each is working on; the database keeps where they were. */
    public void stop() {
        stopping.set(true);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (busy() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Works on the job until it is finished, superseded or this process stops. */
    public void runToCompletion(long jobId) {
        while (!stopping.get()) {
            try {
                RewrapJobsRecord job = dsl.selectFrom(REWRAP_JOBS).where(REWRAP_JOBS.ID.eq(jobId)).fetchOne();
                if (job == null || !RUNNING.equals(job.getState())) {
                    return;
                }
                remaining.computeIfAbsent(jobId, any -> new AtomicLong(dsl.fetchCount(KMIP_OBJECTS,
                        pending(job.getRootKeyId(), job.getToVersion()))));
                List<UUID> batch = dsl.select(KMIP_OBJECTS.ID).from(KMIP_OBJECTS)
                        .where(pending(job.getRootKeyId(), job.getToVersion()))
                        .and(KMIP_OBJECTS.ID.notIn(DSL.select(REWRAP_FAILURES.OBJECT_ID).from(REWRAP_FAILURES)
                                .where(REWRAP_FAILURES.JOB_ID.eq(jobId))))
                        .limit(BATCH).fetch(KMIP_OBJECTS.ID);
                if (batch.isEmpty()) {
                    finish(job);
                    return;
                }
                for (UUID id : batch) {
                    if (stopping.get()) {
                        return;
                    }
                    rewrapOne(job, id);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "re-wrap job " + jobId + " paused: " + e.getMessage()
                        + "; retrying in " + RETRY_DELAY.toSeconds() + " s", e);
                sleep(RETRY_DELAY);
            }
        }
    }

    private void rewrapOne(RewrapJobsRecord job, UUID id) {
        UUID rootKeyId = job.getRootKeyId();
        int to = job.getToVersion();
        try {
            boolean moved = dsl.transactionResult(tx -> {
                KmipObjectsRecord object = tx.dsl().selectFrom(KMIP_OBJECTS).where(KMIP_OBJECTS.ID.eq(id))
                        .forUpdate().fetchOne();
                if (object == null || object.getSealedMaterial() == null || object.getRootKeyVersion() >= to) {
                    return false; // moved already, by an earlier run of this job or a newer job
                }
                int from = object.getRootKeyVersion();
                String fromLabel = RootKeys.version(tx.dsl(), rootKeyId, from).hsmLabel();
                String toLabel = RootKeys.version(tx.dsl(), rootKeyId, to).hsmLabel();
                try (SecretBytes material = hsm.open(fromLabel, KmipObjects.associatedData(id, rootKeyId, from),
                        object.getSealedMaterial())) {
                    object.setSealedMaterial(hsm.seal(toLabel, KmipObjects.associatedData(id, rootKeyId, to),
                            material));
                }
                object.setRootKeyVersion(to);
                object.store();
                return true;
            });
            counted(job, moved ? "rewrapped" : null);
        } catch (SealedKeyIntegrityException e) {
            counted(job, "failed");
            // This key's blob is damaged: it cannot move, and its version must stay on the HSM.
            dsl.insertInto(REWRAP_FAILURES).set(REWRAP_FAILURES.JOB_ID, job.getId())
                    .set(REWRAP_FAILURES.OBJECT_ID, id).set(REWRAP_FAILURES.REASON, e.getMessage())
                    .onConflictDoNothing().execute();
            LOG.log(System.Logger.Level.ERROR, "KMIP key {0} could not be re-sealed under version {1}: {2}", id, to,
                    e.getMessage());
        }
    }

    /** One key less to do; {@code result} (null: nothing was done to it) counted. */
    private void counted(RewrapJobsRecord job, String result) {
        if (result != null) {
            metrics.increment("kmip_appliance_rewrap_keys_total", "KMIP keys re-wrap jobs took up, by result "
                    + "(rewrapped: re-sealed under the newest version; failed: its sealed blob is damaged)", "result",
                    result);
        }
        AtomicLong left = remaining.get(job.getId());
        if (left != null) {
            left.updateAndGet(count -> Math.max(0, count - 1));
        }
    }

    /**
     * Destroys the versions nothing depends on, then records the job finished: a job reported finished has left
     * nothing behind, and one killed in between simply finishes again at the next start.
     */
    private void finish(RewrapJobsRecord job) {
        rootKeys.destroyUnusedVersions(job.getRootKeyId(), job.getToVersion());
        job.setState(FINISHED);
        job.setFinishedAt(Timestamps.now(clock));
        job.store();
        LOG.log(System.Logger.Level.INFO, "re-wrap job {0}: every key of root key {1} is sealed under version {2}",
                job.getId(), job.getRootKeyId(), job.getToVersion());
    }

    /** The progress of one job. */
    public RewrapProgress progress(long jobId) {
        RewrapJobsRecord job = dsl.selectFrom(REWRAP_JOBS).where(REWRAP_JOBS.ID.eq(jobId)).fetchOne();
        int failed = dsl.fetchCount(REWRAP_FAILURES, REWRAP_FAILURES.JOB_ID.eq(jobId));
        int remaining = RUNNING.equals(job.getState())
                ? dsl.fetchCount(KMIP_OBJECTS, pending(job.getRootKeyId(), job.getToVersion())) - failed : 0;
        int done = Math.max(0, job.getTotal() - remaining - failed);
        return new RewrapProgress(job.getId(), job.getRootKeyId(), job.getToVersion(), job.getState(),
                job.getTotal(), done, failed, Timestamps.instant(job.getStartedAt()),
                Timestamps.instant(job.getFinishedAt()));
    }

    /** The newest job of a root key, if it was ever rotated. */
    public Optional<RewrapProgress> latest(UUID rootKeyId) {
        return dsl.select(REWRAP_JOBS.ID).from(REWRAP_JOBS).where(REWRAP_JOBS.ROOT_KEY_ID.eq(rootKeyId))
                .orderBy(REWRAP_JOBS.ID.desc()).limit(1).fetchOptional(REWRAP_JOBS.ID).map(this::progress);
    }

    private static Condition pending(UUID rootKeyId, int toVersion) {
        return KMIP_OBJECTS.ROOT_KEY_ID.eq(rootKeyId).and(KMIP_OBJECTS.ROOT_KEY_VERSION.lt(toVersion))
                .and(KMIP_OBJECTS.SEALED_MATERIAL.isNotNull());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
