package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.jooq.Tables;
import org.kmipappliance.hsm.testing.PrometheusText;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/** Usage metering over a real database and SoftHSM2: what is counted, each day's peak, retention, metrics. */
class UsageMeteringTest {
    private static CustodyDatabase database;
    private static KeyCustody custody;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.NONE);
    }

    @AfterAll
    static void stop() {
        custody.close();
        database.close();
    }

    @Test
    void eachDayKeepsItsPeak_ofKmipKeysAndRootKeyVersions_for400Days() throws Exception {
        Instance instance = custody.access().createInstance("metered-" + UUID.randomUUID(), TESTER);
        TestTenant tenant = TestTenant.create(custody, instance, "metered-root");
        List<UUID> keys = List.of(
                custody.objects().createSymmetricKey(tenant.caller(), KmipObjects.AES, 256, 12).id(),
                custody.objects().createSymmetricKey(tenant.caller(), KmipObjects.AES, 256, 12).id(),
                custody.objects().createSymmetricKey(tenant.caller(), KmipObjects.AES, 128, 12).id());
        custody.rootKeys().rotate(instance.id(), tenant.rootKey().id().toString(), TESTER);
        RootKeyLifecycleTest.awaitFinished(custody, tenant.rootKey().id());
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        database.dsl().insertInto(Tables.USAGE_DAILY).set(Tables.USAGE_DAILY.INSTANCE_ID, instance.id())
                .set(Tables.USAGE_DAILY.DAY, today.minusDays(UsageMetering.RETENTION_DAYS + 1))
                .set(Tables.USAGE_DAILY.KMIP_KEYS, 7).set(Tables.USAGE_DAILY.ROOT_KEY_VERSIONS, 1).execute();

        custody.usage().record();
        // The rotation's re-wrap destroyed version 1 once it had moved every key: one version on the HSM.
        assertEquals(List.of(new UsageMetering.Usage(today, 3, 1)), custody.usage().daily(instance.id(),
                today.minusDays(UsageMetering.RETENTION_DAYS + 5), today), "older than 400 days: forgotten");
        assertEquals(4, custody.usage().daily(instance.id(), today, today).getFirst().keyVersions());

        custody.objects().transition(tenant.caller(), keys.getFirst(), LifecycleEvent.DESTROY, null, null, null);
        custody.usage().record(instance.id());
        assertEquals(new UsageMetering.Usage(today, 3, 1), custody.usage().daily(instance.id(), today, today)
                .getFirst(), "the day's peak stays");
        PrometheusText metrics = PrometheusText.parse(custody.metrics().render());
        assertEquals(2, metrics.valueOrZero("kmip_appliance_usage_kmip_keys{tenant_instance=\"" + instance.id()
                + "\"}"), "the metric is the latest measure, the destroyed key gone");
        assertEquals(1, metrics.valueOrZero("kmip_appliance_usage_root_key_versions{tenant_instance=\"" + instance.id()
                + "\"}"));
    }
}
