package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.PreparedSql;
import org.kmipappliance.hsm.store.jooq.tables.records.AuditEventsRecord;

/**
 * The audit trail: who did what to which object, from where, and how it ended, in PostgreSQL and in the log
 * (logger {@code org.kmipappliance.audit}). Never given key material.
 *
 * <p>A change and its event commit together: custody writes the event in the change's own transaction
 * ({@link #recordChange}), so an event that cannot be written fails the change. What custody did not record (a read,
 * a refusal, a failure) the tier records in a transaction of its own ({@link #record}). Every field is cut to its
 * column and stripped of control characters first, so no client-supplied value can fail the insert or forge a
 * log line.
 */
public final class AuditLog {
    private static final System.Logger LOG = System.getLogger("org.kmipappliance.audit");
    public static final String SUCCESS = "success";
    /**
     * Events of callers the appliance could not identify (refused handshakes, requests without a valid token) kept
     * per minute; the rest are counted and summed up in one event, so nobody without credentials can grow the table
     * or the log without bound.
     */
    static final int UNIDENTIFIED_PER_MINUTE = 120;
    /** What an event sets: every column but the id the database numbers it with. */
    private static final List<Field<?>> EVENT_COLUMNS = Arrays.stream(AUDIT_EVENTS.fields())
            .filter(field -> !field.equals(AUDIT_EVENTS.ID)).toList();

    private final DSLContext dsl;
    private final PreparedSql insertEvent;
    private final Clock clock;
    private long unidentifiedMinute;
    private int unidentifiedThisMinute;
    private int unidentifiedSuppressed;

    /**
     * The events tiers record: each caller waits until its event is committed, but concurrent callers share the
     * commit (one WAL flush for many Gets, instead of one each).
     */
    private final GroupCommit<AuditEventsRecord> separateEvents;

    AuditLog(CustodyDatabase database, Clock clock) {
        this.dsl = database.dsl();
        this.clock = clock;
        this.insertEvent = database.prepare(DSL.insertInto(AUDIT_EVENTS).columns(EVENT_COLUMNS)
                .values(EVENT_COLUMNS.stream().map(field -> DSL.param(field.getName(), field.getDataType()))
                        .toArray(Field<?>[]::new)));
        this.separateEvents = new GroupCommit<>(events -> dsl.transaction(tx -> insertEvent.executeBatch(tx.dsl(),
                events.stream().map(AuditLog::columnValues).toList())), database::inOneTransaction);
    }

    /** Records a change in {@code tx}, the transaction that makes it, and marks the requester as recorded. */
    void recordChange(DSLContext tx, Requester requester, String action, String target, String detail) {
        recordChanges(tx, List.of(new Change(requester, action, target, detail)));
    }

    /** Records changes that {@code tx} makes together, each marking its requester as recorded. */
    void recordChanges(DSLContext tx, List<Change> changes) {
        insertEvent.executeBatch(tx, changes.stream().map(change -> columnValues(event(change.requester(),
                change.action(), change.target(), SUCCESS, change.detail()))).toList());
        changes.forEach(change -> change.requester().markRecorded());
    }

    /** A successful change, as the audit trail records it. */
    record Change(Requester requester, String action, String target, String detail) {
    }

    /**
     * Records that custody releases something without changing anything (a Get of a key no longer Fresh), in a
     * commit shared with concurrent callers', and marks the requester as recorded; returns once it is committed.
     */
    void recordRelease(Requester requester, String action, String target) {
        separateEvents.submit(event(requester, action, target, SUCCESS, null));
        requester.markRecorded();
    }

    /**
     * Records what a tier saw, in a transaction of its own (shared with concurrent callers'); returns once it is
     * committed, and if it cannot be written, this throws.
     */
    public void record(Requester requester, String action, String target, String outcome, String detail) {
        separateEvents.submit(event(requester, action, target, outcome, detail));
    }

    /** The same for a caller the appliance could not identify, within {@link #UNIDENTIFIED_PER_MINUTE}. */
    public void recordUnidentified(Requester requester, String action, String target, String outcome,
                                   String detail) {
        int suppressedBefore;
        synchronized (this) {
            long minute = clock.instant().getEpochSecond() / 60;
            suppressedBefore = minute != unidentifiedMinute ? unidentifiedSuppressed : 0;
            if (minute != unidentifiedMinute) {
                unidentifiedMinute = minute;
                unidentifiedThisMinute = 0;
                unidentifiedSuppressed = 0;
            }
            if (++unidentifiedThisMinute > UNIDENTIFIED_PER_MINUTE) {
                unidentifiedSuppressed++;
                return;
            }
        }
        if (suppressedBefore > 0) {
            Requester appliance = Requester.system("audit");
            String summary = suppressedBefore + " more events of unidentified callers in the previous minute were "
                    + "not recorded one by one";
            separateEvents.submit(event(appliance, "audit.suppressed", null, "suppressed", summary));
            log(appliance, "audit.suppressed", null, "suppressed", summary);
        }
        separateEvents.submit(event(requester, action, target, outcome, detail));
        log(requester, action, target, outcome, detail);
    }

    private static Object[] columnValues(AuditEventsRecord event) {
        return EVENT_COLUMNS.stream().map(event::get).toArray();
    }

    private AuditEventsRecord event(Requester requester, String action, String target, String outcome,
                                    String detail) {
        AuditEventsRecord event = new AuditEventsRecord();
        event.setOccurredAt(Timestamps.now(clock));
        event.setChannel(requester.channel().label());
        event.setActor(bounded(requester.actor(), AUDIT_EVENTS.ACTOR.getDataType().length()));
        event.setActorId(bounded(requester.actorId(), AUDIT_EVENTS.ACTOR_ID.getDataType().length()));
        event.setRegisteredBy(bounded(requester.registeredBy(), AUDIT_EVENTS.REGISTERED_BY.getDataType().length()));
        event.setInstanceId(requester.instanceId());
        event.setAdapterId(requester.adapterId());
        event.setPeer(bounded(requester.peer(), AUDIT_EVENTS.PEER.getDataType().length()));
        event.setCorrelationId(bounded(requester.correlationId(), AUDIT_EVENTS.CORRELATION_ID.getDataType().length()));
        event.setAction(bounded(action, AUDIT_EVENTS.ACTION.getDataType().length()));
        event.setTarget(bounded(target, AUDIT_EVENTS.TARGET.getDataType().length()));
        event.setOutcome(bounded(outcome, AUDIT_EVENTS.OUTCOME.getDataType().length()));
        event.setDetail(bounded(detail, AUDIT_EVENTS.DETAIL.getDataType().length()));
        return event;
    }

    /**
     * The log line of an event, one line whatever the fields hold: tiers write it for every request once its outcome
     * is known.
     */
    public static void log(Requester requester, String action, String target, String outcome, String detail) {
        LOG.log(System.Logger.Level.INFO, "{0} {1} {2} by {3} {4}{5}{6} instance={7} adapter={8} correlation={9}{10}",
                action, target == null ? "-" : clean(target), clean(outcome), requester.channel().label(),
                clean(requester.actor()),
                requester.registeredBy() == null ? "" : " (registered by " + clean(requester.registeredBy()) + ")",
                requester.peer() == null ? "" : " from " + clean(requester.peer()),
                requester.instanceId() == null ? "-" : requester.instanceId(),
                requester.adapterId() == null ? "-" : requester.adapterId(),
                requester.correlationId() == null ? "-" : clean(requester.correlationId()),
                detail == null ? "" : ": " + clean(bounded(detail, 1024)));
    }

    /** How many events name {@code target}, for tests and diagnostics. */
    public int countFor(String target) {
        return dsl.fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.TARGET.eq(target));
    }

    /** {@code value} cut to {@code length} characters, control characters shown as '?'. */
    static String bounded(String value, int length) {
        if (value == null) {
            return null;
        }
        String cleaned = clean(value);
        return cleaned.length() <= length ? cleaned : cleaned.substring(0, length - 1) + "…";
    }

    private static String clean(String value) {
        StringBuilder out = new StringBuilder(value.length());
        value.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR
                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR ? '?' : c));
        return out.toString();
    }
}
