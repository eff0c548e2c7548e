package org.kmipappliance.hsm.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.PrometheusText;

/** The metrics as Prometheus scrapes them: histograms with cumulative buckets, gauges, and the process's own. */
class MetricsTest {
    @Test
    void aHistogram_countsEachObservationInTheFirstBucketAtOrAboveIt() {
        Metrics metrics = new Metrics();
        for (double seconds : new double[] {0.0001, 0.0002, 0.003, 0.003, 42}) {
            metrics.observe("test_seconds", "a test histogram", seconds, "operation", "seal");
        }
        PrometheusText scrape = PrometheusText.parse(metrics.render());
        String series = "test_seconds_bucket{operation=\"seal\",le=\"";
        assertEquals(1, scrape.value(series + "0.0001\"}"), "le is inclusive");
        assertEquals(2, scrape.value(series + "0.00025\"}"));
        assertEquals(2, scrape.value(series + "0.0025\"}"));
        assertEquals(4, scrape.value(series + "0.005\"}"));
        assertEquals(4, scrape.value(series + "10\"}"));
        assertEquals(5, scrape.value(series + "+Inf\"}"), "beyond the last bound: only +Inf");
        assertEquals(5, scrape.value("test_seconds_count{operation=\"seal\"}"));
        assertEquals(42.0063, scrape.value("test_seconds_sum{operation=\"seal\"}"), 1e-9);
    }

    @Test
    void gaugesAreReadWhenScraped_andOneThatFailsIsNaN_notAFailedScrape() {
        Metrics metrics = new Metrics();
        int[] open = {3};
        metrics.gauge("test_open", "open things", () -> open[0]);
        metrics.gauge("test_broken", "a gauge whose source fails", () -> {
            throw new IllegalStateException("database down");
        });
        assertEquals(3, PrometheusText.parse(metrics.render()).value("test_open"));
        open[0] = 5;
        PrometheusText scrape = PrometheusText.parse(metrics.render());
        assertEquals(5, scrape.value("test_open"));
        assertTrue(Double.isNaN(scrape.value("test_broken")));
    }

    @Test
    void labelValuesAreEscaped_andANameKeepsOneType() {
        Metrics metrics = new Metrics();
        metrics.increment("test_total", "a counter", "route", "a\"b\\c\nd");
        assertEquals(1, PrometheusText.parse(metrics.render()).value("test_total{route=\"a\\\"b\\\\c\\nd\"}"));
        assertThrows(IllegalArgumentException.class, () -> metrics.observe("test_total", "now a histogram", 1));
        assertThrows(IllegalArgumentException.class, () -> metrics.increment("test_odd", "odd labels", "route"));
    }

    @Test
    void everyScrape_carriesTheProcessAndJvmMetrics() {
        PrometheusText scrape = PrometheusText.parse(new Metrics().render());
        assertTrue(scrape.value("process_cpu_seconds_total") > 0);
        assertTrue(scrape.value("process_open_fds") > 0);
        assertTrue(scrape.value("process_max_fds") >= scrape.value("process_open_fds"));
        assertTrue(scrape.value("process_resident_memory_bytes") > 1e6);
        assertTrue(scrape.value("process_start_time_seconds") > 1.7e9);
        assertTrue(scrape.value("jvm_memory_used_bytes{area=\"heap\"}") > 0);
        assertTrue(scrape.value("jvm_threads_live") > 0);
        assertTrue(scrape.series().stream().anyMatch(series -> series.startsWith("jvm_gc_collections_total{gc=")));
    }
}
