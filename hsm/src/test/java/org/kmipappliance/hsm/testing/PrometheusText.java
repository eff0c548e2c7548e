package org.kmipappliance.hsm.testing;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape of /metrics read as Prometheus would: checked against the text format (version 0.0.4), then its samples
 * by series ("name{labels}") for tests to look up.
 */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private final Map<String, Double> samples;

    private PrometheusText(Map<String, Double> samples) {
        this.samples = samples;
    }

    /**
     * Parses a scrape, failing on anything Prometheus would refuse or misread: a malformed line, a sample of a
     * family without HELP and TYPE, a series given twice, histogram buckets that are not cumulative or whose +Inf
     * bucket is not the count.
     */
    public static PrometheusText parse(String text) {
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher comment = COMMENT.matcher(line);
            if (comment.matches()) {
                if (comment.group(1).equals("TYPE")) {
                    if (!TYPES.contains(comment.group(3)) || types.put(comment.group(2), comment.group(3)) != null) {
                        throw new AssertionError("bad or repeated TYPE: " + line);
                    }
                } else {
                    helped.add(comment.group(2));
                }
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            String family = familyOf(sample.group(1), types);
            if (!types.containsKey(family) || !helped.contains(family)) {
                throw new AssertionError("a sample of a family without HELP and TYPE: " + line);
            }
            String series = sample.group(1) + (sample.group(2) == null ? "" : sample.group(2));
            if (samples.put(series, Double.valueOf(sample.group(3).replace("+Inf", "Infinity")
                    .replace("-Inf", "-Infinity"))) != null) {
                throw new AssertionError("series given twice: " + series);
            }
        }
        PrometheusText parsed = new PrometheusText(samples);
        parsed.checkHistograms(types);
        return parsed;
    }

    private static String familyOf(String name, Map<String, String> types) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String family = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(family)) || "summary".equals(types.get(family))) {
                    return family;
                }
            }
        }
        return name;
    }

    private void checkHistograms(Map<String, String> types) {
        Map<String, Double> previousBucket = new HashMap<>();
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            String series = sample.getKey();
            int le = series.indexOf(",le=\"") >= 0 ? series.indexOf(",le=\"") : series.indexOf("{le=\"");
            if (!series.contains("_bucket") || le < 0) {
                continue;
            }
            String withoutLe = series.substring(0, le) + (series.charAt(le) == '{' ? "" : "}");
            Double previous = previousBucket.put(withoutLe, sample.getValue());
            if (previous != null && previous > sample.getValue()) {
                throw new AssertionError("histogram buckets are not cumulative at " + series);
            }
            if (series.contains("le=\"+Inf\"")) {
                String count = withoutLe.replaceFirst("_bucket", "_count");
                if (!sample.getValue().equals(samples.get(count))) {
                    throw new AssertionError("the +Inf bucket of " + withoutLe + " is not its count");
                }
            }
        }
        types.forEach((family, type) -> {
            if (type.equals("histogram") && samples.keySet().stream().anyMatch(s -> s.startsWith(family + "_count"))
                    && samples.keySet().stream().noneMatch(s -> s.startsWith(family + "_bucket"))) {
                throw new AssertionError("histogram " + family + " has no buckets");
            }
        });
    }

    /** The value of one series, e.g. {@code kmip_appliance_kmip_connections_open}; fails if it is not there. */
    public double value(String series) {
        Double value = samples.get(series);
        if (value == null) {
            throw new AssertionError("no series " + series + " in the scrape; it has " + samples.keySet());
        }
        return value;
    }

    /** The value of one series, or 0 when it has not appeared yet (a counter that never counted). */
    public double valueOrZero(String series) {
        return samples.getOrDefault(series, 0.0);
    }

    public Set<String> series() {
        return samples.keySet();
    }
}
