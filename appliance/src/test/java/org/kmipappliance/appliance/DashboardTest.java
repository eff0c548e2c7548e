package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in docs/grafana and the metrics the code exports agree: every metric a panel queries
 * exists, and every metric of the appliance has a panel, so neither can drift from the other.
 */
class DashboardTest {
    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
    private static final Path DASHBOARD = REPOSITORY.resolve("docs/grafana/kmip-appliance-dashboard.json");
    private static final Pattern EXPORTED = Pattern.compile("\"((?:kmip_appliance|process|jvm)_[a-z_]+)\"");
    private static final Pattern QUERIED = Pattern.compile("\\b((?:kmip_appliance|process|jvm)_[a-z_]+)\\b");

    /** Metric names as the code registers them, read from every module's main sources. */
    private static Set<String> exported() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String module : new String[] {"hsm", "kmip", "rest", "appliance"}) {
            try (Stream<Path> files = Files.walk(REPOSITORY.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                    Matcher name = EXPORTED.matcher(Files.readString(file));
                    while (name.find()) {
                        names.add(name.group(1));
                    }
                }
            }
        }
        return names;
    }

    @Test
    void everyQueriedMetricExists_andEveryMetricOfTheApplianceHasAPanel() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertEquals("kmip-appliance", dashboard.path("uid").asText());
        Set<String> exported = exported();
        assertTrue(exported.contains("kmip_appliance_kmip_operation_seconds"), exported::toString);
        Set<String> queried = new TreeSet<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique");
            for (JsonNode target : panel.path("targets")) {
                Matcher name = QUERIED.matcher(target.path("expr").asText());
                while (name.find()) {
                    queried.add(name.group(1).replaceFirst("_bucket$", ""));
                }
            }
        }
        Set<String> unknown = new TreeSet<>(queried);
        unknown.removeAll(exported);
        assertEquals(Set.of(), unknown, "the dashboard queries metrics the appliance does not export");
        Set<String> withoutPanel = new TreeSet<>(exported);
        withoutPanel.removeIf(name -> !name.startsWith("kmip_appliance_"));
        withoutPanel.removeAll(queried);
        assertEquals(Set.of(), withoutPanel, "metrics of the appliance that no panel shows");
    }
}
