package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;

/**
 * The appliance's process as an operator starts and stops it: a first start that says what it is doing, log lines
 * with RFC 3339 UTC times (or JSON), a last line when it stops, one clear line and a non-zero exit when a listener
 * cannot bind or the configuration is wrong, and --version.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StartAndStopTest {
    private static final Pattern LOG_LINE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z (INFO|WARNING|SEVERE) [\\w.$]+: .+");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path directory;

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Order(1)
    void firstStart_saysWhatItIsDoing_inRfc3339Lines_andStopsWithALastLine() throws Exception {
        Path state = directory.resolve("node");
        ApplianceProcess appliance = ApplianceProcess.start(state, ApplianceProcess.writeConfig(state, ""));
        appliance.admin();
        appliance.close();
        String output = appliance.output();
        for (String progress : List.of("first start: initialising the appliance's SoftHSM2 token",
                "first start: creating the embedded PostgreSQL", "first start: making the appliance's CA",
                "first start: created instance", "appliance started: KMIP on 127.0.0.1:")) {
            assertTrue(output.contains(progress), "the first start says " + progress + ":\n" + output);
        }
        List<String> lines = output.lines().toList();
        for (String line : lines) {
            assertTrue(LOG_LINE.matcher(line).matches(), "a log line with an RFC 3339 UTC time: " + line);
        }
        assertFalse(output.contains("Helidon logging"), output);
        assertTrue(lines.getLast().endsWith(": stopped"), "the last line says it stopped: " + lines.getLast());
        assertTrue(lines.get(lines.size() - 2).contains(": stopping: "), output);
    }

    @Test
    @Order(2)
    void jsonLogFormat_writesOneJsonObjectPerLine() throws Exception {
        Path state = directory.resolve("node");
        ApplianceProcess appliance = ApplianceProcess.start(state, ApplianceProcess.writeConfig(state,
                "log: {format: json}\n"));
        appliance.close();
        List<String> lines = appliance.output().lines().toList();
        assertTrue(lines.size() >= 3, appliance.output());
        for (String line : lines) {
            JsonNode record = JSON.readTree(line);
            assertTrue(record.path("time").asText().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z"),
                    line);
            assertTrue(List.of("INFO", "WARNING", "SEVERE").contains(record.path("level").asText()), line);
            assertFalse(record.path("logger").asText().isEmpty(), line);
            assertFalse(record.path("message").asText().isEmpty(), line);
        }
        assertEquals("stopped", JSON.readTree(lines.getLast()).path("message").asText());
    }

    @Test
    @Order(3)
    void aListenerThatCannotBind_stopsTheStart_withOneLineAndANonZeroExit() throws Exception {
        Path state = directory.resolve("node");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (String listener : List.of("rest", "kmip")) {
                Path config = Files.writeString(directory.resolve(listener + "-taken.yaml"), """
                        kmip: {host: 127.0.0.1, port: %d}
                        rest: {host: 127.0.0.1, port: %d}
                        """.formatted(listener.equals("kmip") ? taken.getLocalPort() : 0,
                        listener.equals("rest") ? taken.getLocalPort() : 0));
                ApplianceProcess appliance = ApplianceProcess.launch(state, config, Map.of());
                assertNotEquals(0, appliance.awaitExit(Duration.ofMinutes(2)), appliance.output());
                List<String> lines = appliance.output().lines().toList();
                assertEquals("kmip-appliance: cannot listen for " + listener.toUpperCase() + " on 127.0.0.1:"
                        + taken.getLocalPort() + ": address already in use; stop whatever uses that port or set "
                        + listener + ".port", lines.getLast(), appliance.output());
                assertTrue(lines.stream().noneMatch(line -> line.contains("SEVERE")), appliance.output());
                assertFalse(appliance.output().contains("https://127.0.0.1:-1"), appliance.output());
                assertFalse(Files.exists(state.resolve("postgres/data/postmaster.pid")),
                        "the embedded PostgreSQL was stopped");
            }
        }
    }

    @Test
    void aWrongConfiguration_startsNothing_andExitsWithStatus2() throws IOException {
        Path config = Files.writeString(directory.resolve("wrong.yaml"), "rest:\n  port: 70000\nhsm:\n"
                + "  max-sessions: 0\n");
        Path state = directory.resolve("never-made");
        Run serve = run("serve", "--state-dir", state.toString(), "--config", config.toString());
        assertEquals(Main.EXIT_CONFIGURATION, serve.status());
        assertEquals(List.of(
                "kmip-appliance: " + config + ":2: rest.port: '70000' is out of range; allowed: a whole number "
                        + "from 0 to 65535 (0: any free port)",
                "kmip-appliance: " + config + ":4: hsm.max-sessions: '0' is out of range; allowed: a whole "
                        + "number from 1 to 1024"), serve.err().lines().toList());
        assertFalse(Files.exists(state), "nothing was made");

        Run check = run("check-config", "--config", config.toString());
        assertEquals(Main.EXIT_CONFIGURATION, check.status());
        assertEquals(serve.err(), check.err());
    }

    @Test
    void checkConfig_acceptsTheExample_andExampleConfigPrintsIt() throws IOException {
        Run example = run("example-config");
        assertEquals(0, example.status());
        assertEquals(Settings.example(), example.out());
        Path config = Files.writeString(directory.resolve("example.yaml"), example.out());
        Run check = run("check-config", "--config", config.toString());
        assertEquals(0, check.status(), check.err());
        assertEquals("kmip-appliance: " + config + " is sound\n", check.out());
    }

    @Test
    void version_namesTheVersionAndCommit() {
        Run version = run("--version");
        assertEquals(0, version.status());
        assertTrue(version.out().matches("kmip-appliance \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit ([0-9a-f]{7,}"
                + "(\\+changes)?|unknown), built ([0-9TZ:-]+|unknown)\\)\\n"), version.out());
        assertTrue(Arrays.stream(new String[] {"serve", "demo", "init", "await-ready", "backup", "restore",
                "check-config", "example-config"}).allMatch(run("--help").out()::contains));
    }

    @Test
    @Order(8)
    void startedWithSighupIgnored_saysReloadsCannotReachIt() throws Exception {
        Path state = directory.resolve("nohup");
        List<String> underNohup = List.of("sh", "-c", "trap '' HUP; exec \"$@\"", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        ApplianceProcess appliance = ApplianceProcess.launch(underNohup, state, ApplianceProcess.writeConfig(state, ""),
                Map.of("SOFTHSM2_CONF", SoftHsmToken.configFile(state.resolve("softhsm")).toString()));
        try (appliance) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!appliance.output().contains("SIGHUP is ignored in this process") && appliance.process().isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(appliance.output().contains("SIGHUP is ignored in this process (it was started with SIGHUP "
                    + "ignored, as nohup does)"), appliance.output());
        }
    }
}
