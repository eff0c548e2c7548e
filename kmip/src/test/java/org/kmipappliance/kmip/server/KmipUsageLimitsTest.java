package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attribute;
import static org.kmipappliance.kmip.server.KmipOperationsTest.attributes;
import static org.kmipappliance.kmip.server.KmipOperationsTest.create;
import static org.kmipappliance.kmip.server.KmipOperationsTest.date;
import static org.kmipappliance.kmip.server.KmipOperationsTest.failure;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;
import static org.kmipappliance.kmip.server.KmipOperationsTest.uid;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Usage Limits and Get Usage Allocation (KMIP 1.4 sections 3.21 and 4.18): the client sets a total, the server
 * keeps the count, allocations spend it and nothing more than it, and Check refuses what no longer remains.
 */
class KmipUsageLimitsTest {
    private static final int OBJECT = 2;
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("usage-limits");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** Usage Limits as a client gives them; {@code count} is what a client may send and the server ignores. */
    private static Ttlv.Structure limits(long total, long count, int unit) {
        return Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_TOTAL, total),
                new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_COUNT, count),
                new Ttlv.EnumerationItem(Tag.USAGE_LIMITS_UNIT, unit));
    }

    private static Ttlv usageLimitsOf(KmipClient kmip, String id) throws Exception {
        List<Ttlv> found = attributes(kmip, id, "Usage Limits").get("Usage Limits");
        return found == null ? null : found.getFirst();
    }

    private static void allocate(KmipClient kmip, String id, long units) throws Exception {
        kmip.call(Operation.GET_USAGE_ALLOCATION, payload(uid(id), new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_COUNT,
                units)));
    }

    private static void check(KmipClient kmip, String id, long units) throws Exception {
        kmip.call(Operation.CHECK, payload(uid(id), new Ttlv.LongIntegerItem(Tag.USAGE_LIMITS_COUNT, units)));
    }

    private static String activeKeyWithLimits(KmipClient kmip, long total) throws Exception {
        return create(kmip, attribute("Usage Limits", limits(total, 1, OBJECT)),
                attribute("Activation Date", date(Instant.now().minusSeconds(60))));
    }

    @Test
    void theCountStartsAtTheTotal_andAllocationsSpendIt_neverPastZero() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String key = activeKeyWithLimits(kmip, 10);
            assertEquals(limits(10, 10, OBJECT), usageLimitsOf(kmip, key), "the client's Count of 1 is ignored");

            check(kmip, key, 10);
            allocate(kmip, key, 4);
            assertEquals(limits(10, 6, OBJECT), usageLimitsOf(kmip, key));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> check(kmip, key, 7)), "only 6 remain");
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> allocate(kmip, key, 7)));
            allocate(kmip, key, 6);
            assertEquals(limits(10, 0, OBJECT), usageLimitsOf(kmip, key));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> allocate(kmip, key, 1)), "none left");
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> allocate(kmip, key, 0)));
        }
    }

    @Test
    void concurrentAllocations_spendExactlyWhatThereIs() throws Exception {
        String key;
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            key = activeKeyWithLimits(kmip, 20);
        }
        List<ResultReason> outcomes = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            Thread.ofVirtual().start(() -> {
                try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
                    for (int round = 0; round < 5; round++) {
                        try {
                            allocate(kmip, key, 1);
                            outcomes.add(null);
                        } catch (KmipException refused) {
                            outcomes.add(refused.reason());
                        }
                    }
                } catch (Exception e) {
                    outcomes.add(ResultReason.GENERAL_FAILURE);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertEquals(20, outcomes.stream().filter(outcome -> outcome == null).count(), "20 units, 20 allocations");
        assertEquals(20, outcomes.stream().filter(outcome -> outcome == ResultReason.PERMISSION_DENIED).count());
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertEquals(limits(20, 0, OBJECT), usageLimitsOf(kmip, key));
        }
    }

    @Test
    void totalAndUnit_changeOrGoOnlyUntilTheFirstAllocation() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String key = activeKeyWithLimits(kmip, 10);
            kmip.call(Operation.MODIFY_ATTRIBUTE, payload(uid(key), attribute("Usage Limits", limits(50, 3, 1))));
            assertEquals(limits(50, 50, 1), usageLimitsOf(kmip, key), "a correction, its Count back at the Total");
            allocate(kmip, key, 1);
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.MODIFY_ATTRIBUTE,
                    payload(uid(key), attribute("Usage Limits", limits(100, 100, 1))))));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> kmip.call(Operation.DELETE_ATTRIBUTE,
                    payload(uid(key), new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, "Usage Limits")))));
            assertEquals(limits(50, 49, 1), usageLimitsOf(kmip, key));

            String unlimited = activeKeyWithLimits(kmip, 5);
            kmip.call(Operation.DELETE_ATTRIBUTE, payload(uid(unlimited), new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME,
                    "Usage Limits")));
            assertEquals(null, usageLimitsOf(kmip, unlimited));
            check(kmip, unlimited, 1_000_000);
            assertEquals(ResultReason.ILLEGAL_OPERATION, failure(() -> allocate(kmip, unlimited, 1)),
                    "nothing to allocate from");
        }
    }

    @Test
    void onlyActiveKeysHaveUsageAllocated_andAReKeyStartsAfresh() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String preActive = create(kmip, attribute("Usage Limits", limits(10, 10, OBJECT)));
            assertEquals(ResultReason.PERMISSION_DENIED, failure(() -> allocate(kmip, preActive, 1)));

            String key = activeKeyWithLimits(kmip, 10);
            allocate(kmip, key, 9);
            String replacement = ((Ttlv.TextStringItem) kmip.call(Operation.RE_KEY, payload(uid(key),
                    new Ttlv.IntervalItem(Tag.OFFSET, 0))).first(Tag.UNIQUE_IDENTIFIER).orElseThrow()).value();
            assertEquals(limits(10, 10, OBJECT), usageLimitsOf(kmip, replacement));
            assertEquals(ResultReason.INVALID_FIELD, failure(() -> kmip.call(Operation.LOCATE, payload(
                    attribute("Usage Limits", limits(1, 1, OBJECT))))), "no 'at least' match on the stored value");
        }
    }
}
