package org.kmipappliance.appliance.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** An SVG chart, written by hand so the benchmark needs no plotting library: throughput and p99 per second. */
final class Charts {
    private static final int WIDTH = 720;
    private static final int PANEL_HEIGHT = 200;
    private static final int MARGIN = 60;

    private Charts() {
    }

    static String throughputAndLatency(String title, List<KmipBench.Sample> samples) {
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH,
                2 * PANEL_HEIGHT + 3 * MARGIN));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n", MARGIN,
                escape(title)));
        panel(svg, samples, MARGIN, "operations per second", KmipBench.Sample::operations, "#1f77b4");
        panel(svg, samples, 2 * MARGIN + PANEL_HEIGHT, "p99 latency (ms)", KmipBench.Sample::p99Millis, "#d62728");
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, List<KmipBench.Sample> samples, int top, String label,
                              ToDoubleFunction<KmipBench.Sample> value, String colour) {
        double maxValue = samples.stream().mapToDouble(value).max().orElse(1);
        double maxSecond = samples.stream().mapToDouble(KmipBench.Sample::second).max().orElse(1);
        double scaleY = maxValue <= 0 ? 1 : maxValue * 1.1;
        int plotWidth = WIDTH - 2 * MARGIN;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#999\"/>%n", MARGIN, top, plotWidth, PANEL_HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s (max %.1f)</text>%n", MARGIN, top - 6,
                escape(label), maxValue));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.0f s</text>%n", WIDTH - MARGIN - 30,
                top + PANEL_HEIGHT + 16, maxSecond));
        StringBuilder points = new StringBuilder();
        for (KmipBench.Sample sample : samples) {
            double x = MARGIN + plotWidth * sample.second() / Math.max(maxSecond, 1e-9);
            double y = top + PANEL_HEIGHT - PANEL_HEIGHT * value.applyAsDouble(sample) / scaleY;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                + "points=\"%s\"/>%n", colour, points.toString().strip()));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
