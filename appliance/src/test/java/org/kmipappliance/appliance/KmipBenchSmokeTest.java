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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmipappliance.appliance.bench.KmipBench;
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
    @ValueSource(strings = {"create", "get", "getattr", "locate", "mixed", "vcenter"})
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
