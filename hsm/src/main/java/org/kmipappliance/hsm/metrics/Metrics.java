package org.kmipappliance.hsm.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Counters and latency summaries of the appliance, rendered in the Prometheus text format. Label values come
 * from small fixed sets (route templates, operation names, result reasons), never from request data, so the
 * number of series stays bounded.
 */
public final class Metrics {
    private record Series(String name, String labels) implements Comparable<Series> {
        @Override
        public int compareTo(Series other) {
            int byName = name.compareTo(other.name);
            return byName != 0 ? byName : labels.compareTo(other.labels);
        }
    }

    private record Summary(LongAdder count, DoubleAdder sum) {
    }

    private final ConcurrentMap<Series, LongAdder> counters = new ConcurrentHashMap<>();
    private final ConcurrentMap<Series, Summary> summaries = new ConcurrentHashMap<>();
    private final Map<String, String> help = new ConcurrentHashMap<>();

    /** Adds one to the counter {@code name} with the given label name/value pairs. */
    public void increment(String name, String description, String... labels) {
        help.putIfAbsent(name, description);
        counters.computeIfAbsent(new Series(name, labels(labels)), series -> new LongAdder()).increment();
    }

    /** Records one duration, in seconds, in the summary {@code name}. */
    public void observe(String name, String description, double seconds, String... labels) {
        help.putIfAbsent(name, description);
        Summary summary = summaries.computeIfAbsent(new Series(name, labels(labels)),
                series -> new Summary(new LongAdder(), new DoubleAdder()));
        summary.count().increment();
        summary.sum().add(seconds);
    }

    /** Times {@code action} into the summary {@code name}. */
    public <T> T time(String name, String description, Supplier<T> action, String... labels) {
        long started = System.nanoTime();
        try {
            return action.get();
        } finally {
            observe(name, description, (System.nanoTime() - started) / 1e9, labels);
        }
    }

    /** The Prometheus text exposition (version 0.0.4). */
    public String render() {
        StringBuilder out = new StringBuilder();
        Map<Series, Long> sortedCounters = new TreeMap<>();
        counters.forEach((series, value) -> sortedCounters.put(series, value.sum()));
        String last = null;
        for (Map.Entry<Series, Long> counter : sortedCounters.entrySet()) {
            String name = counter.getKey().name();
            if (!name.equals(last)) {
                out.append("# HELP ").append(name).append(' ').append(help.get(name)).append('\n');
                out.append("# TYPE ").append(name).append(" counter\n");
                last = name;
            }
            out.append(name).append(counter.getKey().labels()).append(' ').append(counter.getValue()).append('\n');
        }
        Map<Series, Summary> sortedSummaries = new TreeMap<>(summaries);
        last = null;
        for (Map.Entry<Series, Summary> summary : sortedSummaries.entrySet()) {
            String name = summary.getKey().name();
            if (!name.equals(last)) {
                out.append("# HELP ").append(name).append(' ').append(help.get(name)).append('\n');
                out.append("# TYPE ").append(name).append(" summary\n");
                last = name;
            }
            out.append(name).append("_count").append(summary.getKey().labels()).append(' ')
                    .append(summary.getValue().count().sum()).append('\n');
            out.append(name).append("_sum").append(summary.getKey().labels()).append(' ')
                    .append(summary.getValue().sum().sum()).append('\n');
        }
        return out.toString();
    }

    private static String labels(String... pairs) {
        if (pairs.length == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(pairs[i]).append("=\"").append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n")).append('"');
        }
        return out.append('}').toString();
    }
}
