package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/**
 * A new appliance's database has no statistics until autovacuum's first ANALYZE, minutes after the first keys
 * arrive. In that state PostgreSQL once read a Get's or Get Attributes' object through the adapter's index, every
 * object of the adapter for each request. The statements that read one object must take its primary key whatever
 * the statistics say.
 */
class ObjectLookupPlanTest {
    private static final int KEYS = 2_000;
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static KmipCaller caller;

    @BeforeAll
    static void fillWithoutStatistics() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        TestTenant tenant = TestTenant.create(custody, custody.access().createInstance("plans", TESTER), "plans");
        caller = tenant.caller();
        database.dsl().execute("""
                INSERT INTO kmip_objects (id, adapter_id, object_type, state, cryptographic_algorithm,
                    cryptographic_length, cryptographic_usage_mask, sealed_material, seal_mechanism, root_key_id,
                    root_key_version, created_at, created_by, updated_at, updated_by, fresh)
                SELECT md5('plans-' || n)::uuid, {0}, 2, 1, 'AES', 256, 12, '\\x00', 'dummy', {1}, 1,
                    now() - n * interval '1 second', 'bulk', now(), 'bulk', true
                FROM generate_series(1, {2}) AS n""".replace("{0}", "'" + tenant.adapter().id() + "'")
                .replace("{1}", "'" + tenant.rootKey().id() + "'").replace("{2}", Integer.toString(KEYS)));
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void withoutStatistics_oneObjectIsReadByItsPrimaryKey() {
        assertEquals(0L, database.dsl().fetchOne("SELECT count(*) FROM pg_stat_user_tables WHERE relname = "
                + "'kmip_objects' AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)").get(0, Long.class),
                "the premise: kmip_objects has never been analyzed");
        String someObject = "'" + UUID.nameUUIDFromBytes(new byte[] {1}) + "'";
        List<String> statements = custody.objects().statementsByIdentifier();
        assertEquals(3, statements.size());
        for (String statement : statements) {
            String plan = String.join("\n", database.dsl().fetch("EXPLAIN " + statement.replace("?", someObject))
                    .getValues(0, String.class));
            assertTrue(plan.contains("kmip_objects_pkey"), statement + "\n" + plan);
            assertFalse(plan.contains("kmip_objects_by_adapter"), statement + "\n" + plan);
        }
    }

    @Test
    void anObjectOfAnotherAdapter_isNotFound() {
        UUID bulkObject = database.dsl().fetchOne("SELECT id FROM kmip_objects LIMIT 1").get(0, UUID.class);
        KmipCaller stranger = TestTenant.create(custody, custody.access().createInstance("elsewhere", TESTER),
                "elsewhere").caller();

        assertEquals(bulkObject, custody.objects().describe(caller, bulkObject).object().id());
        for (Runnable lookup : List.<Runnable>of(() -> custody.objects().describe(stranger, bulkObject),
                () -> custody.objects().get(stranger, bulkObject))) {
            CustodyException refused = assertThrows(CustodyException.class, lookup::run);
            assertEquals(CustodyException.Failure.OBJECT_NOT_FOUND, refused.failure());
        }
    }
}
