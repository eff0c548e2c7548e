package org.kmipappliance.hsm.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.store.jooq.tables.records.AuditEventsRecord;
import org.kmipappliance.hsm.testing.PrometheusText;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Statements rendered once and run through JDBC: the rows, the transactions and the metrics are jOOQ's own. */
class PreparedSqlTest {
    private static CustodyDatabase database;
    private static PreparedSql insert;
    private static PreparedSql byTarget;

    @BeforeAll
    static void prepare() {
        database = TestDatabase.fresh();
        insert = database.prepare(DSL.insertInto(AUDIT_EVENTS).columns(AUDIT_EVENTS.OCCURRED_AT, AUDIT_EVENTS.ACTOR,
                AUDIT_EVENTS.ACTION, AUDIT_EVENTS.TARGET, AUDIT_EVENTS.OUTCOME, AUDIT_EVENTS.CHANNEL,
                AUDIT_EVENTS.DETAIL).values(DSL.param(OffsetDateTime.class), DSL.param(String.class),
                DSL.param(String.class), DSL.param(String.class), DSL.param(String.class), DSL.param(String.class),
                DSL.param(String.class)));
        byTarget = database.prepare(DSL.select(AUDIT_EVENTS.fields()).from(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.TARGET.eq(DSL.param(String.class))).orderBy(AUDIT_EVENTS.ID));
    }

    @AfterAll
    static void close() {
        database.close();
    }

    private static Object[] event(String target, String detail) {
        return new Object[] {OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS), "tester", "test.act",
                target, "success", "system", detail};
    }

    private static List<AuditEventsRecord> eventsOf(String target) {
        return byTarget.fetch(database.dsl(), row -> PreparedSql.read(database.dsl(), AUDIT_EVENTS, row, 1), target);
    }

    @Test
    void rowsWritten_readBackAsTheRecordsJooqWouldFetch_nullsIncluded() {
        Object[] written = event("written", null);
        assertEquals(1, insert.execute(database.dsl(), written));

        List<AuditEventsRecord> read = eventsOf("written");
        AuditEventsRecord jooqs = database.dsl().selectFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.TARGET.eq("written"))
                .fetchOne();
        assertEquals(1, read.size());
        assertArrayEquals(jooqs.intoArray(), read.getFirst().intoArray(), "every column, typed as jOOQ types it");
        assertEquals(((OffsetDateTime) written[0]).toInstant(), read.getFirst().getOccurredAt().toInstant());
        assertEquals(null, read.getFirst().getDetail());
        assertFalse(read.getFirst().changed(), "a read record is as fetched: nothing to store");
    }

    @Test
    void inATransaction_statementsUseItsConnection_andRollBackWithIt() {
        assertThrows(IllegalStateException.class, () -> database.dsl().transaction(tx -> {
            insert.executeBatch(tx.dsl(), List.of(event("rolled-back", "1"), event("rolled-back", "2")));
            assertEquals(2, byTarget.fetch(tx.dsl(), row -> row.getLong(1), "rolled-back").size(),
                    "the transaction sees its rows");
            assertTrue(eventsOf("rolled-back").isEmpty(), "another connection does not, before the commit");
            throw new IllegalStateException("abandon");
        }));
        assertTrue(eventsOf("rolled-back").isEmpty(), "nothing of the abandoned transaction is left");
    }

    @Test
    void aWrongNumberOfValues_isRefusedBeforeTheDatabaseSeesIt() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> byTarget.fetch(database.dsl(), row -> row.getLong(1), "a", "b"));
        assertTrue(refused.getMessage().startsWith("2 values for 1 parameters of: select"), refused.getMessage());
    }

    @Test
    void aFailingStatement_namesItsSql_butNotTheValuesBound() {
        Object[] tooLong = event("too-long", null);
        tooLong[4] = "x".repeat(500) + "secret-value";
        DataAccessException failed = assertThrows(DataAccessException.class,
                () -> insert.execute(database.dsl(), tooLong));
        assertTrue(failed.getMessage().contains("insert into"), failed.getMessage());
        assertFalse(failed.getMessage().contains("secret-value"), failed.getMessage());
        assertEquals("22001", failed.sqlState(), "the database's own reason is kept for callers that tell them apart");
    }

    @Test
    void moreThanOneRow_whereAtMostOneIsExpected_isABug() {
        insert.executeBatch(database.dsl(), List.of(event("twice", "1"), event("twice", "2")));
        assertThrows(IllegalStateException.class,
                () -> byTarget.fetchOptional(database.dsl(), row -> row.getLong(1), "twice"));
        assertTrue(byTarget.fetchOptional(database.dsl(), row -> row.getLong(1), "never").isEmpty());
    }

    @Test
    void statements_areTimedByKind_intoTheDatabaseMetric() {
        double readsBefore = statements("read");
        double batchesBefore = statements("batch");
        eventsOf("timed");
        double writesBefore = statements("write");
        insert.executeBatch(database.dsl(), List.of(event("timed", "1"), event("timed", "2")));
        insert.executeBatch(database.dsl(), List.<Object[]>of(event("timed", "alone")));
        assertEquals(readsBefore + 1, statements("read"));
        assertEquals(batchesBefore + 1, statements("batch"));
        assertEquals(writesBefore + 1, statements("write"), "a batch of one runs as the single statement it is");
    }

    private static double statements(String kind) {
        return PrometheusText.parse(database.metrics().render())
                .valueOrZero("kmip_appliance_database_statement_seconds_count{kind=\"" + kind + "\"}");
    }
}
