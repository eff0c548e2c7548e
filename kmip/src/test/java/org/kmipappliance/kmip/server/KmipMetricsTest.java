package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.DoublePredicate;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.PrometheusText;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ProtocolVersion;

/**
 * What the KMIP tier tells an operator's Prometheus: operations by result with latency buckets, connections open
 * against the limit, and why handshakes failed, each counted as it happens on real TLS sockets.
 */
class KmipMetricsTest {
    private static KmipTestServer fixture;
    private static SSLContext registered;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("kmip-metrics");
        registered = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static PrometheusText scrape() {
        return fixture.metrics();
    }

    private static void awaitValue(String series, DoublePredicate expected) throws InterruptedException {
        fixture.awaitMetric(series, expected);
    }

    @Test
    void operations_areCountedByResult_andTimedInBuckets() throws Exception {
        try (KmipClient client = fixture.connect(registered, ProtocolVersion.V1_4)) {
            String id = client.createAesKey(256, 12);
            client.getKeyMaterial(id);
            assertThrows(KmipException.class, () -> client.getKeyMaterial("no-such-key"));
        }
        PrometheusText scrape = scrape();
        assertTrue(scrape.value("kmip_appliance_kmip_operations_total{operation=\"create\",result=\"success\"}") >= 1);
        assertTrue(scrape.value("kmip_appliance_kmip_operations_total{operation=\"get\",result=\"item_not_found\"}")
                >= 1);
        double creates = scrape.value("kmip_appliance_kmip_operation_seconds_count{operation=\"create\"}");
        assertEquals(creates, scrape.value("kmip_appliance_kmip_operation_seconds_bucket{operation=\"create\","
                + "le=\"+Inf\"}"));
        assertTrue(scrape.value("kmip_appliance_kmip_operation_seconds_bucket{operation=\"create\",le=\"10\"}")
                >= 1, "a create takes less than 10 s");
        assertTrue(scrape.value("kmip_appliance_hsm_operation_seconds_bucket{operation=\"generate\",le=\"+Inf\"}")
                >= 1, "the HSM calls behind it are timed too");
    }

    @Test
    void openConnections_areAGaugeAgainstTheLimit() throws Exception {
        assertEquals(1000, scrape().value("kmip_appliance_kmip_connections_max"));
        double before = scrape().value("kmip_appliance_kmip_connections_open");
        try (KmipClient client = fixture.connect(registered, ProtocolVersion.V1_4)) {
            client.discoverVersions(List.of());
            awaitValue("kmip_appliance_kmip_connections_open", open -> open == before + 1);
        }
        awaitValue("kmip_appliance_kmip_connections_open", open -> open == before);
    }
}
