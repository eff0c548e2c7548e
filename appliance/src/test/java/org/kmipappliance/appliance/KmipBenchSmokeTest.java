package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmipappliance.appliance.bench.KmipBench;
import org.kmipappliance.appliance.bench.LocateAtScale;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import picocli.CommandLine;

/**
 * kmip-bench against the appliance as its own process, a second or two per workload: every workload runs without
 * an error and reports what it measured. A smoke test, not a measurement (docs/benchmarks/README.md has those).
 */
class KmipBenchSmokeTest {
    @TempDir
    static Path directory;
    private static ApplianceProcess appliance;
    private static List<String> connection;

    @BeforeAll
    static void start() throws Exception {
        Path state = directory.resolve("state");
        appliance = ApplianceProcess.start(state, ApplianceProcess.writeConfig(state, ""));
        ApplianceClient operator = new ApplianceClient(appliance, appliance.admin());
        operator.createAdapter("bench", operator.createRootKey("bench-root"));
        CertificateAuthority.Issued client = operator.registerClient("bench", "bench-client");
        Path certificate = directory.resolve("client.pem");
        Path key = directory.resolve("client-key.pem");
        PemFiles.writeCertificate(certificate, client.certificate());
        PemFiles.writePrivateKey(key, client.privateKey());
        connection = List.of("--port", Integer.toString(appliance.kmipPort()), "--cert", certificate.toString(),
                "--key", key.toString(), "--ca", state.resolve("pki/ca.pem").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        appliance.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"create", "get", "getattr", "locate", "discover", "mixed", "vcenter"})
    void everyWorkload_runsWithoutErrors_andReportsWhatItMeasured(String workload) throws Exception {
        Path chart = directory.resolve(workload + ".svg");
        List<String> arguments = new ArrayList<>(connection);
        arguments.addAll(List.of("--op", workload, "--connections", "4", "--seconds", "2", "--warmup", "0",
                "--keys", "20", "--json", "--chart", chart.toString(), "--cpu-of", "appliance=" + appliance.pid()));
        StringWriter out = new StringWriter();
        int status = new CommandLine(new KmipBench()).setOut(new PrintWriter(out))
                .setErr(new PrintWriter(out)).execute(arguments.toArray(String[]::new));
        assertEquals(0, status, out.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals(workload, result.get("op").asText());
        assertEquals(0, result.get("errors").asInt(), out.toString());
        assertTrue(result.get("operations").asLong() > 0, out.toString());
        assertTrue(result.get("p50_ms").asDouble() > 0 && result.get("p99_ms").asDouble()
                >= result.get("p50_ms").asDouble(), out.toString());
        double requestsPerOperation = workload.equals("vcenter") ? 8 : 1;
        assertEquals(result.get("ops_per_second").asDouble() * requestsPerOperation,
                result.get("requests_per_second").asDouble(), 0.5, out.toString());
        assertTrue(Files.readString(chart).contains("<polyline"), "the chart has its lines");
        assertTrue(result.at("/cpu_ms_per_op/client").asDouble() > 0
                && result.at("/cpu_ms_per_op/appliance").asDouble() > 0, "both sides' CPU: " + out);
    }

    @Test
    void locateAtScale_fillsAnAdapter_topsItUpOnASecondRun_andLocatesInIt() throws Exception {
        Path state = directory.resolve("at-scale");
        List<String> arguments = List.of("--state-dir", state.toString(), "--fill-threads", "8", "--seconds", "1",
                "--connections", "2", "--locate-keys", "10", "--json");
        ApplianceProcess.Finished first = ApplianceProcess.run(state, LocateAtScale.class,
                concat(arguments, "--keys", "120"));
        assertEquals(0, first.status(), first.output());
        assertTrue(first.output().contains("120 keys (120 made now"), first.output());
        JsonNode located = new ObjectMapper().readTree(first.output().lines().filter(line -> line.startsWith("{"))
                .reduce((earlier, last) -> last).orElseThrow());
        assertEquals("locate", located.get("op").asText());
        assertEquals(0, located.get("errors").asInt(), first.output());
        assertTrue(located.get("operations").asLong() > 0, first.output());

        ApplianceProcess.Finished second = ApplianceProcess.run(state, LocateAtScale.class,
                concat(arguments, "--keys", "150"));
        assertEquals(0, second.status(), second.output());
        assertTrue(second.output().contains("150 keys (20 made now"), "120 filled and kmip-bench's 10 were there: "
                + second.output());
    }

    private static List<String> concat(List<String> arguments, String... more) {
        List<String> all = new ArrayList<>(arguments);
        all.addAll(List.of(more));
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"--rate=50", "--new-connection-per-op"})
    void anOpenLoopAndAHandshakePerOperation_run(String mode) throws Exception {
        List<String> arguments = new ArrayList<>(connection);
        arguments.addAll(List.of("--op", "get", "--connections", "2", "--seconds", "2", "--warmup", "0", "--keys",
                "5", mode));
        StringWriter out = new StringWriter();
        int status = new CommandLine(new KmipBench()).setOut(new PrintWriter(out))
                .setErr(new PrintWriter(out)).execute(arguments.toArray(String[]::new));
        assertEquals(0, status, out.toString());
        assertTrue(out.toString().contains(mode.equals("--rate=50") ? "open loop at 50.0/s" : "new conn/op"),
                out.toString());
    }
}
