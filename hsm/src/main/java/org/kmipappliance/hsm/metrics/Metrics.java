package org.kmipappliance.hsm.metrics;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The appliance's metrics in the Prometheus text format (version 0.0.4): counters, latency histograms with fixed
 * buckets (so a dashboard can show p99, not only a mean), and gauges read when scraped. Label values come from small
 * fixed sets (route templates, operation names, result reasons), never from request data, so the number of series
 * stays bounded. Label values are lower case words joined by '_' ("success", "permission_denied"), except HTTP
 * methods and route templates, which are shown as HTTP writes them.
 */
public final class Metrics {
    /**
     * Bucket bounds of every latency histogram, in seconds: from 100 µs (a SoftHSM seal) to 10 s (a request that
     * waited out a database outage).
     */
    static final double[] LATENCY_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25, 0.5, 1, 2.5, 5, 10};

    private enum Type {
        COUNTER("counter"), GAUGE("gauge"), HISTOGRAM("histogram");

        private final String text;

        Type(String text) {
            this.text = text;
        }
    }

    private record Family(Type type, String help) {
    }

    /** One histogram series: per-bucket counts (not cumulative; summed when rendered), the sum and the count. */
    private static final class Histogram {
        private final LongAdder[] buckets = new LongAdder[LATENCY_BUCKETS.length + 1];
        private final DoubleAdder sum = new DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            int bucket = 0;
            while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]) {
                bucket++;
            }
            buckets[bucket].increment();
            sum.add(seconds);
        }
    }

    private final ConcurrentMap<String, Family> families = new ConcurrentHashMap<>();
    /** Per family name, its series by rendered labels: a LongAdder, a Histogram or a DoubleSupplier. */
    private final ConcurrentMap<String, ConcurrentMap<String, Object>> series = new ConcurrentHashMap<>();

    public Metrics() {
        ProcessMetrics.register(this);
    }

    /** Adds one to the counter {@code name} with the given label name/value pairs. */
    public void increment(String name, String help, String... labels) {
        ((LongAdder) seriesOf(name, Type.COUNTER, help, labels, LongAdder::new)).increment();
    }

    /** Records one duration, in seconds, in the histogram {@code name}. */
    public void observe(String name, String help, double seconds, String... labels) {
        ((Histogram) seriesOf(name, Type.HISTOGRAM, help, labels, Histogram::new)).observe(seconds);
    }

    /** Times {@code action} into the histogram {@code name}, whether it returns or throws. */
    public <T> T time(String name, String help, Supplier<T> action, String... labels) {
        long started = System.nanoTime();
        try {
            return action.get();
        } finally {
            observe(name, help, (System.nanoTime() - started) / 1e9, labels);
        }
    }

    /** A gauge read when scraped; registering the same series again replaces its source. */
    public void gauge(String name, String help, DoubleSupplier value, String... labels) {
        register(name, Type.GAUGE, help, labels, value);
    }

    /**
     * A counter kept elsewhere (the JVM's garbage collections, a component's own tally), read when scraped; it must
     * only grow.
     */
    public void counter(String name, String help, DoubleSupplier value, String... labels) {
        register(name, Type.COUNTER, help, labels, value);
    }

    private void register(String name, Type type, String help, String[] labels, DoubleSupplier value) {
        family(name, type, help);
        series.computeIfAbsent(name, any -> new ConcurrentHashMap<>()).put(labels(labels), value);
    }

    private Object seriesOf(String name, Type type, String help, String[] labels, Supplier<Object> create) {
        family(name, type, help);
        return series.computeIfAbsent(name, any -> new ConcurrentHashMap<>())
                .computeIfAbsent(labels(labels), any -> create.get());
    }

    private void family(String name, Type type, String help) {
        Family family = families.computeIfAbsent(name, any -> new Family(type, help));
        if (family.type() != type) {
            throw new IllegalArgumentException("metric " + name + " is a " + family.type().text + ", not a "
                    + type.text);
        }
    }

    /** The Prometheus text exposition (version 0.0.4), families and series in a stable order. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Family> family : new TreeMap<>(families).entrySet()) {
            String name = family.getKey();
            out.append("# HELP ").append(name).append(' ').append(family.getValue().help()).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(family.getValue().type().text).append('\n');
            for (Map.Entry<String, Object> one : new TreeMap<>(series.getOrDefault(name, new ConcurrentHashMap<>()))
                    .entrySet()) {
                String labels = one.getKey();
                switch (one.getValue()) {
                    case LongAdder counter -> line(out, name, labels, Long.toString(counter.sum()));
                    case DoubleSupplier read -> line(out, name, labels, number(readSafely(read)));
                    case Histogram histogram -> histogram(out, name, labels, histogram);
                    default -> throw new IllegalStateException("unknown series of " + name);
                }
            }
        }
        return out.toString();
    }

    private static void histogram(StringBuilder out, String name, String labels, Histogram histogram) {
        long cumulative = 0;
        for (int i = 0; i < histogram.buckets.length; i++) {
            cumulative += histogram.buckets[i].sum();
            String bound = i < LATENCY_BUCKETS.length
                    ? BigDecimal.valueOf(LATENCY_BUCKETS[i]).stripTrailingZeros().toPlainString() : "+Inf";
            line(out, name + "_bucket", withLabel(labels, "le", bound), Long.toString(cumulative));
        }
        line(out, name + "_sum", labels, number(histogram.sum.sum()));
        line(out, name + "_count", labels, Long.toString(cumulative));
    }

    /** A gauge whose source fails (the database is down) is shown as NaN rather than failing the whole scrape. */
    private static double readSafely(DoubleSupplier read) {
        try {
            return read.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static void line(StringBuilder out, String name, String labels, String value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    private static String withLabel(String labels, String name, String value) {
        String added = name + "=\"" + value + "\"";
        return labels.isEmpty() ? "{" + added + "}" : labels.substring(0, labels.length() - 1) + "," + added + "}";
    }

    private static String labels(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        if (pairs.length == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(pairs[i]).append("=\"").append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n")).append('"');
        }
        return out.append('}').toString();
    }
}
