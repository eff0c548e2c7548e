package org.kmipappliance.hsm.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;

import java.sql.Connection;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.TestDatabase;

/**
 * A thread's work joined into one transaction (KMIP's Undo batch option): custody's own statements and
 * transactions on that thread join it, a failed inner transaction undoes only itself, and the whole is kept or
 * undone at the end, invisible to other connections until then.
 */
class OneTransactionTest {
    private static CustodyDatabase database;

    @BeforeAll
    static void connect() {
        database = TestDatabase.fresh();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    private static void insertEvent(String target) {
        database.dsl().insertInto(AUDIT_EVENTS).columns(AUDIT_EVENTS.OCCURRED_AT, AUDIT_EVENTS.ACTOR,
                        AUDIT_EVENTS.ACTION, AUDIT_EVENTS.TARGET, AUDIT_EVENTS.OUTCOME, AUDIT_EVENTS.CHANNEL)
                .values(OffsetDateTime.now(ZoneOffset.UTC), "tester", "test.act", target, "success", "system")
                .execute();
    }

    /** Events of {@code target} as another connection sees them (committed ones only). */
    private static int committedEvents(String target) throws Exception {
        return CompletableFuture.supplyAsync(() -> database.dsl().fetchCount(AUDIT_EVENTS,
                AUDIT_EVENTS.TARGET.eq(target))).get();
    }

    @Test
    void keptWork_isCommittedWhole_andInvisibleToOthersUntilThen() throws Exception {
        String target = "kept-" + UUID.randomUUID();
        int seenByOthersMeanwhile = database.inOneTransaction(() -> {
            assertTrue(database.inOneTransaction());
            insertEvent(target);
            database.dsl().transaction(tx -> insertEvent(target));
            assertEquals(2, database.dsl().fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.TARGET.eq(target)),
                    "the thread sees its own work, statements and inner transactions alike");
            try {
                return committedEvents(target);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, seen -> true);
        assertEquals(0, seenByOthersMeanwhile, "an inner transaction's commit is only a savepoint's release");
        assertEquals(2, committedEvents(target));
        assertFalse(database.inOneTransaction());
    }

    @Test
    void unkeptWork_isUndoneWhole_innerCommitsIncluded() throws Exception {
        String target = "undone-" + UUID.randomUUID();
        String result = database.inOneTransaction(() -> {
            insertEvent(target);
            database.dsl().transaction(tx -> insertEvent(target));
            return "a later item failed";
        }, outcome -> false);
        assertEquals("a later item failed", result);
        assertEquals(0, committedEvents(target));
    }

    @Test
    void aFailedInnerTransaction_undoesOnlyItself_andTheRestGoesOn() throws Exception {
        String target = "inner-" + UUID.randomUUID();
        database.inOneTransaction(() -> {
            insertEvent(target);
            assertThrows(IllegalStateException.class, () -> database.dsl().transaction(tx -> {
                insertEvent(target);
                throw new IllegalStateException("refused");
            }));
            // A statement error inside an inner transaction must not abort the joined one either.
            assertThrows(RuntimeException.class, () -> database.dsl().transaction(tx -> tx.dsl()
                    .execute("select * from no_such_table")));
            insertEvent(target);
            return null;
        }, any -> true);
        assertEquals(2, committedEvents(target), "the refused inner transaction's row is gone, the others kept");
    }

    @Test
    void workThatThrows_isUndone_andTheExceptionReachesTheCaller() throws Exception {
        String target = "thrown-" + UUID.randomUUID();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> database.inOneTransaction(
                () -> {
                    insertEvent(target);
                    throw new IllegalStateException("broken");
                }, any -> true));
        assertEquals("broken", thrown.getMessage());
        assertEquals(0, committedEvents(target));
        assertFalse(database.inOneTransaction(), "the thread is free of it");
        assertThrows(IllegalStateException.class, () -> database.inOneTransaction(() -> database.inOneTransaction(
                () -> null, any -> true), any -> true), "one at a time per thread");
    }

    @Test
    void aStatementThatFailedOutsideAnInnerTransaction_isNeverCommittedAsIfNothingHappened() throws Exception {
        String target = "aborted-" + UUID.randomUUID();
        assertThrows(RuntimeException.class, () -> database.inOneTransaction(() -> {
            insertEvent(target);
            // The failure is caught and the work claims success: PostgreSQL has aborted the transaction all the same.
            assertThrows(RuntimeException.class, () -> database.dsl().execute("select * from no_such_table"));
            return "claims success";
        }, any -> true), "the commit must not pass for a transaction PostgreSQL rolled back");
        assertEquals(0, committedEvents(target));
        assertFalse(database.inOneTransaction());
    }

    @Test
    void wholeTransactions_holdAtMostHalfThePool_andTheRestStaysForOtherRequests() throws Exception {
        try (CustodyDatabase twoConnections = TestDatabase.connect(TestDatabase.createDatabase(), 2)) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofVirtual().start(() -> twoConnections.inOneTransaction(() -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }, any -> true));
            holding.await();
            RuntimeException refused = assertThrows(RuntimeException.class, () -> twoConnections.inOneTransaction(
                    () -> null, any -> true), "the one slot of a 2-connection pool is taken");
            assertTrue(DatabaseUnavailable.is(refused), "answered as a moment's unavailability: " + refused);
            assertEquals(1, twoConnections.dsl().fetchValue("select 1"), "the other connection serves the rest");
            release.countDown();
            holder.join();
            assertEquals("kept", twoConnections.inOneTransaction(() -> "kept", any -> true), "free again");
        }
    }

    @Test
    void theJoinedConnection_cannotBeRolledBackByAStatementOutsideATransaction() {
        database.inOneTransaction(() -> {
            RuntimeException refused = assertThrows(RuntimeException.class, () ->
                    database.dsl().connection(Connection::rollback));
            Throwable cause = refused;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            assertTrue(cause.getMessage().contains("only its owner ends"), cause.getMessage());
            return List.of();
        }, any -> false);
    }
}
