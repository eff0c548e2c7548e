package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.INSTANCES;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_ADAPTERS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEYS;
import static org.kmipappliance.hsm.store.jooq.Tables.ROOT_KEY_VERSIONS;
import static org.kmipappliance.hsm.store.jooq.Tables.USAGE_DAILY;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * Usage metering per instance, so an operator can bill or plan capacity: how many KMIP keys (live managed objects)
 * and root-key versions (those the HSM holds) an instance has, as Key Protect bills key versions, each KMIP key
 * counting as one. The maintenance sweep measures every instance; each day (UTC) keeps its peak, for 400 days; the
 * latest figures are metrics too ({@code kmip_appliance_usage_*{tenant_instance}}).
 */
public final class UsageMetering {
    /** How long daily figures are kept. */
    public static final int RETENTION_DAYS = 400;
    /**
     * How often the maintenance sweep measures: counting every instance's keys reads the object table, which is
     * too much for every few seconds with millions of keys, and a minute is fine-grained enough for a daily peak.
     */
    static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
    private static final List<Short> DESTROYED_STATES = List.of((short) ObjectState.DESTROYED.code(),
            (short) ObjectState.DESTROYED_COMPROMISED.code());

    private final DSLContext dsl;
    private final Clock clock;
    private final Metrics metrics;
    private final ConcurrentMap<UUID, Usage> latest = new ConcurrentHashMap<>();
    /** When the sweep last measured; null before its first measure. */
    private volatile Instant lastSweep;

    UsageMetering(DSLContext dsl, Clock clock, Metrics metrics) {
        this.dsl = dsl;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** An instance's figures on a day: the most it held at once that day, or now for the day in progress. */
    public record Usage(LocalDate day, int kmipKeys, int rootKeyVersions) {
        /** What Key Protect bills: every root-key version and every KMIP key. */
        public int keyVersions() {
            return kmipKeys + rootKeyVersions;
        }
    }

    /** The maintenance sweep's measure: {@link #record} at most once per {@link #SWEEP_INTERVAL}. */
    void recordIfDue() {
        Instant now = clock.instant();
        if (lastSweep == null || Duration.between(lastSweep, now).compareTo(SWEEP_INTERVAL) >= 0) {
            lastSweep = now;
            record();
        }
    }

    /** Measures every instance now, keeps each day's peak and forgets days older than the retention. */
    public int record() {
        return record(DSL.noCondition(), DSL.noCondition(), DSL.noCondition());
    }

    /** Measures one instance now (a request for its report), keeping the day's peak: no other tenant's counting. */
    public void record(UUID instanceId) {
        record(KMIP_ADAPTERS.INSTANCE_ID.eq(instanceId), ROOT_KEYS.INSTANCE_ID.eq(instanceId),
                INSTANCES.ID.eq(instanceId));
    }

    private int record(Condition keysOf, Condition versionsOf, Condition instancesOf) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        Map<UUID, Integer> keys = dsl.select(KMIP_ADAPTERS.INSTANCE_ID, DSL.count()).from(KMIP_OBJECTS)
                .join(KMIP_ADAPTERS).on(KMIP_ADAPTERS.ID.eq(KMIP_OBJECTS.ADAPTER_ID))
                .where(KMIP_OBJECTS.STATE.notIn(DESTROYED_STATES).and(keysOf)).groupBy(KMIP_ADAPTERS.INSTANCE_ID)
                .fetchMap(KMIP_ADAPTERS.INSTANCE_ID, DSL.count());
        Map<UUID, Integer> versions = dsl.select(ROOT_KEYS.INSTANCE_ID, DSL.count()).from(ROOT_KEY_VERSIONS)
                .join(ROOT_KEYS).on(ROOT_KEYS.ID.eq(ROOT_KEY_VERSIONS.ROOT_KEY_ID))
                .where(ROOT_KEY_VERSIONS.DESTROYED_AT.isNull().and(versionsOf)).groupBy(ROOT_KEYS.INSTANCE_ID)
                .fetchMap(ROOT_KEYS.INSTANCE_ID, DSL.count());
        List<UUID> instances = dsl.select(INSTANCES.ID).from(INSTANCES).where(instancesOf).fetch(INSTANCES.ID);
        dsl.transaction(tx -> {
            for (UUID instance : instances) {
                Usage now = new Usage(today, keys.getOrDefault(instance, 0), versions.getOrDefault(instance, 0));
                tx.dsl().insertInto(USAGE_DAILY)
                        .set(USAGE_DAILY.INSTANCE_ID, instance).set(USAGE_DAILY.DAY, today)
                        .set(USAGE_DAILY.KMIP_KEYS, now.kmipKeys())
                        .set(USAGE_DAILY.ROOT_KEY_VERSIONS, now.rootKeyVersions())
                        .onConflict(USAGE_DAILY.INSTANCE_ID, USAGE_DAILY.DAY).doUpdate()
                        .set(USAGE_DAILY.KMIP_KEYS, DSL.greatest(USAGE_DAILY.KMIP_KEYS,
                                DSL.excluded(USAGE_DAILY.KMIP_KEYS)))
                        .set(USAGE_DAILY.ROOT_KEY_VERSIONS, DSL.greatest(USAGE_DAILY.ROOT_KEY_VERSIONS,
                                DSL.excluded(USAGE_DAILY.ROOT_KEY_VERSIONS)))
                        .execute();
                publish(instance, now);
            }
            tx.dsl().deleteFrom(USAGE_DAILY).where(USAGE_DAILY.DAY.lt(today.minusDays(RETENTION_DAYS))).execute();
        });
        return instances.size();
    }

    /**
     * The latest figures as gauges, labelled {@code tenant_instance} (Prometheus gives {@code instance} to the
     * scraped node).
     */
    private void publish(UUID instance, Usage usage) {
        if (latest.put(instance, usage) == null) {
            metrics.gauge("kmip_appliance_usage_kmip_keys", "KMIP keys (live managed objects) an instance holds, "
                    + "as last measured", () -> latest.get(instance).kmipKeys(), "tenant_instance",
                    instance.toString());
            metrics.gauge("kmip_appliance_usage_root_key_versions", "Root-key versions an instance holds on the HSM, "
                    + "as last measured", () -> latest.get(instance).rootKeyVersions(), "tenant_instance",
                    instance.toString());
        }
    }

    /** The daily figures of {@code instanceId} from {@code from} to {@code to} (inclusive), oldest first. */
    public List<Usage> daily(UUID instanceId, LocalDate from, LocalDate to) {
        return dsl.selectFrom(USAGE_DAILY)
                .where(USAGE_DAILY.INSTANCE_ID.eq(instanceId).and(USAGE_DAILY.DAY.between(from, to)))
                .orderBy(USAGE_DAILY.DAY)
                .fetch(row -> new Usage(row.getDay(), row.getKmipKeys(), row.getRootKeyVersions()));
    }
}
