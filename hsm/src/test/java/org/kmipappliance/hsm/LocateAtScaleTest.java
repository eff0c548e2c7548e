package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * Locate in an adapter with 100,000 keys: the attribute lookup must go through the value index, not scan.
 * Rows are inserted in bulk (the sealed blobs are dummies: Locate never opens them). Timing is printed, not
 * asserted; docs/benchmarks holds the figures.
 */
class LocateAtScaleTest {
    private static final int KEYS = 100_000;
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static KmipCaller caller;

    @BeforeAll
    static void fill() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        Tenant scale = tenant("scale");
        caller = scale.caller();
        long started = System.nanoTime();
        insertObjects("scale-", scale, KEYS);
        database.dsl().execute("""
                INSERT INTO kmip_object_attributes (object_id, adapter_id, name, attribute_index, value,
                    value_sha256, unique_key)
                SELECT md5('scale-' || n)::uuid, {0}, 'Name', 0, convert_to('name-' || n, 'UTF8'),
                    encode(sha256(convert_to('name-' || n, 'UTF8')), 'hex'), 'name-' || n
                FROM generate_series(1, {1}) AS n""".replace("{0}", "'" + scale.adapter().id() + "'")
                .replace("{1}", Integer.toString(KEYS)));
        database.dsl().execute("ANALYZE kmip_objects");
        database.dsl().execute("ANALYZE kmip_object_attributes");
        System.out.printf("LocateAtScaleTest: inserted %d keys with names in %d ms%n", KEYS,
                (System.nanoTime() - started) / 1_000_000);
    }

    private record Tenant(RootKey rootKey, KmipAdapter adapter, KmipCaller caller) {
    }

    /** An instance with a root key, an adapter named {@code name} and a client of it. */
    private static Tenant tenant(String name) {
        Instance instance = custody.access().createInstance(name, TESTER);
        RootKey rootKey = custody.rootKeys().create(instance.id(), name + "-root", null, TESTER);
        KmipAdapter adapter = custody.adapters().create(instance.id(), name, null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        String pem = TestCertificates.clientPem(name);
        custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
        return new Tenant(rootKey, adapter, custody.certificates().identify(PemCertificates.sha256Fingerprint(
                PemCertificates.parse(pem))).orElseThrow());
    }

    /** {@code count} objects in bulk, key n with id md5(idPrefix || n); their sealed blobs are dummies. */
    private static void insertObjects(String idPrefix, Tenant tenant, int count) {
        database.dsl().execute("""
                INSERT INTO kmip_objects (id, adapter_id, object_type, state, cryptographic_algorithm,
                    cryptographic_length, cryptographic_usage_mask, sealed_material, seal_mechanism, root_key_id,
                    root_key_version, created_at, created_by, updated_at, updated_by, fresh)
                SELECT md5({0} || n)::uuid, {1}, 2, 1, 'AES', 256, 12, '\\x00', 'dummy', {2}, 1,
                    now() - n * interval '1 second', 'bulk', now(), 'bulk', true
                FROM generate_series(1, {3}) AS n""".replace("{0}", "'" + idPrefix + "'")
                .replace("{1}", "'" + tenant.adapter().id() + "'").replace("{2}", "'" + tenant.rootKey().id() + "'")
                .replace("{3}", Integer.toString(count)));
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    /** The id the bulk insert gave key n: PostgreSQL's md5('scale-' || n)::uuid. */
    private static UUID bulkId(int n) {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest(("scale-" + n).getBytes(StandardCharsets.UTF_8)));
            return UUID.fromString(hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static LocateQuery byName(String name) {
        return new LocateQuery(null, null, null, null, null, null, null, null, Map.of(),
                List.of(new LocateQuery.AttributeMatch("Name", name.getBytes(StandardCharsets.UTF_8))),
                LocateQuery.Storage.ON_LINE, null, 0);
    }

    @Test
    void inAnAdapterGrownSinceTheLastAnalyze_locateReadsItsCandidatesByPrimaryKey() {
        // Filled after the statistics were taken: the planner believes this adapter holds next to nothing, and
        // so found it cheap to AND the candidates' key with the adapter's index, which then read all 20,000.
        Tenant grown = tenant("grown");
        insertObjects("grown-", grown, 20_000);

        String plan = String.join("\n", database.dsl().fetch("EXPLAIN " + custody.objects()
                .locateSelect(grown.caller(), byName("any"), Set.of(UUID.randomUUID())).getSQL(ParamType.INLINED))
                .getValues(0, String.class));
        assertTrue(plan.contains("kmip_objects_pkey"), plan);
        assertFalse(plan.contains("kmip_objects_by_adapter"), plan);

        // Locate by Name alone runs in one statement, with the same plan.
        String oneStatement = String.join("\n", database.dsl().fetch("EXPLAIN " + custody.objects()
                .locateByAttributeSelect(DSL.val("00".repeat(32)), DSL.val(grown.caller().adapterId()),
                        DSL.val("Name")).getSQL(ParamType.INLINED)).getValues(0, String.class));
        assertTrue(oneStatement.contains("kmip_objects_pkey"), oneStatement);
        assertTrue(oneStatement.contains("kmip_object_attributes_by_value"), oneStatement);
        assertFalse(oneStatement.contains("kmip_objects_by_adapter"), oneStatement);
        assertFalse(oneStatement.contains("Seq Scan"), oneStatement);
    }

    @Test
    void locateByName_findsExactlyTheOne_throughTheIndex() {
        String plan = String.join("\n", database.dsl().fetch("EXPLAIN " + custody.objects()
                .attributeCandidates(caller, byName("name-54321").attributes().getFirst())
                .getSQL(ParamType.INLINED)).getValues(0, String.class));
        assertTrue(plan.contains("kmip_object_attributes_by_value"), plan);
        assertFalse(plan.contains("Seq Scan"), plan);

        Page<UUID> found = custody.objects().locate(caller, byName("name-54321"));
        assertEquals(List.of(bulkId(54321)), found.items());

        long[] micros = new long[200];
        for (int i = 0; i < micros.length; i++) {
            long started = System.nanoTime();
            custody.objects().locate(caller, byName("name-" + (1 + i * 497)));
            micros[i] = (System.nanoTime() - started) / 1_000;
        }
        Arrays.sort(micros);

        System.out.printf("LocateAtScaleTest: Locate by Name among %d keys: p50 %.2f ms, p99 %.2f ms%n", KEYS,
                micros[micros.length / 2] / 1000.0, micros[micros.length * 99 / 100] / 1000.0);
    }
}
