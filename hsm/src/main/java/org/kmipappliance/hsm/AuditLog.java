package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;

import java.time.Clock;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The audit trail: who did what to which object, and how it ended, in PostgreSQL and in the log (logger
 * {@code org.kmipappliance.audit}). Never given key material.
 */
public final class AuditLog {
    private static final System.Logger LOG = System.getLogger("org.kmipappliance.audit");
    private static final int MAX_DETAIL = 1024;

    private final DSLContext dsl;
    private final Clock clock;

    AuditLog(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    /** One event. {@code detail} is cut to 1024 characters. */
    public void record(String actor, UUID instanceId, UUID adapterId, String action, String target, String outcome,
                       String detail) {
        String shortDetail = detail == null || detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
        LOG.log(System.Logger.Level.INFO, "{0} {1} {2} by {3} (adapter {4}){5}", action, target == null ? "-" : target,
                outcome, actor, adapterId == null ? "-" : adapterId, shortDetail == null ? "" : ": " + shortDetail);
        dsl.insertInto(AUDIT_EVENTS)
                .set(AUDIT_EVENTS.OCCURRED_AT, Timestamps.now(clock))
                .set(AUDIT_EVENTS.ACTOR, actor)
                .set(AUDIT_EVENTS.INSTANCE_ID, instanceId)
                .set(AUDIT_EVENTS.ADAPTER_ID, adapterId)
                .set(AUDIT_EVENTS.ACTION, action)
                .set(AUDIT_EVENTS.TARGET, target)
                .set(AUDIT_EVENTS.OUTCOME, outcome)
                .set(AUDIT_EVENTS.DETAIL, shortDetail)
                .execute();
    }

    /** How many events name {@code target}, for tests and diagnostics. */
    public int countFor(String target) {
        return dsl.fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.TARGET.eq(target));
    }
}
