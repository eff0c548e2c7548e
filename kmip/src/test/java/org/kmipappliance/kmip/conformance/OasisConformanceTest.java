package org.kmipappliance.kmip.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.server.KmipTestServerAccess;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * Replays every OASIS KMIP 1.4 and 1.1 symmetric-key profile vector (test resources oasis-kmip/) against a live
 * listener, one adapter per vector, and checks every response. Cases that need what this server does not do are
 * skipped with the reason and never counted as passed.
 */
class OasisConformanceTest {
    /** Cases out of scope, with the reason (shared/conformance/README.md). */
    static final Map<String, String> SKIPPED = Map.ofEntries(
            Map.entry("SKFF-O-1", "needs SKIPJACK keys"),
            Map.entry("SKFF-O-2", "needs SKIPJACK keys"),
            Map.entry("SKFF-O-3", "needs SKIPJACK keys"));

    /**
     * Cases that continue another's conversation on the same server, as the tape library profile runs them: TL-M-3
     * locates the key TL-M-2 made. The earlier case is replayed first, on the same adapter and connection.
     */
    static final Map<String, String> CONTINUES = Map.of("TL-M-3", "TL-M-2");

    private static KmipTestServerAccess fixture;
    /** Case and result, printed when the run ends: the conformance table. */
    private static final Map<String, String> RESULTS = new TreeMap<>();

    @BeforeAll
    static void start() {
        fixture = new KmipTestServerAccess("oasis-conformance");
    }

    @AfterAll
    static void stop() throws IOException {
        fixture.close();
        StringBuilder table = new StringBuilder("OASIS KMIP conformance (case | result)\n");
        RESULTS.forEach((name, result) -> table.append(name).append(" | ").append(result).append('\n'));
        System.out.print(table);
        Path written = Path.of(System.getProperty("java.io.tmpdir"), "oasis-conformance.txt");
        Files.writeString(written, table);
        assertEquals(table.toString(), documentedTable(), "docs/kmip.md shows another conformance run than this "
                + "one: copy " + written.toAbsolutePath() + " into its table");
    }

    /** The conformance table docs/kmip.md shows, which must be this build's. */
    private static String documentedTable() throws IOException {
        String documentation = Files.readString(Path.of("..", "docs", "kmip.md"));
        int start = documentation.indexOf("OASIS KMIP conformance (case | result)\n");
        int end = documentation.indexOf("```", start);
        return start < 0 || end < 0 ? "(no conformance table in docs/kmip.md)" : documentation.substring(start, end);
    }

    private static void replay(KmipClient kmip, OasisVector vector, Path file) throws Exception {
        int step = 0;
        for (OasisVector.Exchange exchange : vector.exchanges()) {
            step++;
            byte[] answer = kmip.exchangeRaw(TtlvEncoder.encode(vector.toTtlv(exchange.request())));
            Ttlv actual = TtlvDecoder.decode(answer);
            List<String> differences = vector.compare(exchange.response(), actual);
            assertEquals(List.of(), differences, file.getFileName() + " step " + step);
        }
    }

    /** The vectors, copied into the test resources from shared/conformance so any clone can run them. */
    static Path vectors() throws URISyntaxException {
        return Path.of(OasisConformanceTest.class.getResource("/oasis-kmip/v1.4").toURI()).getParent();
    }

    @TestFactory
    Stream<DynamicTest> oasisVectors() throws IOException, URISyntaxException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String version : List.of("v1.4", "v1.1")) {
            try (Stream<Path> files = Files.list(vectors().resolve(version))) {
                for (Path file : files.sorted().toList()) {
                    String name = file.getFileName().toString().replace(".xml", "");
                    String caseName = name.substring(0, name.lastIndexOf('-'));
                    tests.add(DynamicTest.dynamicTest(name, () -> run(file, caseName)));
                }
            }
        }
        return tests.stream();
    }

    private static void run(Path file, String caseName) throws Exception {
        String name = file.getParent().getFileName() + "/" + file.getFileName().toString().replace(".xml", "");
        if (SKIPPED.containsKey(caseName)) {
            RESULTS.put(name, "skipped: " + SKIPPED.get(caseName));
        }
        Assumptions.assumeFalse(SKIPPED.containsKey(caseName), () -> "skipped: " + SKIPPED.get(caseName));
        RESULTS.put(name, "FAILED");
        OasisVector vector = OasisVector.read(file);
        if (caseName.equals("SKFF-O-6")) {
            vector.tolerating("Object Group", "attribute 'Object Group' is listed by the reference server, which "
                    + "gave the key a group the client never asked for; this server sets only what clients set");
        }
        try (KmipClient kmip = fixture.connectNewAdapter(ProtocolVersion.V1_4)) {
            if (CONTINUES.containsKey(caseName)) {
                Path earlier = file.resolveSibling(file.getFileName().toString().replace(caseName,
                        CONTINUES.get(caseName)));
                replay(kmip, OasisVector.read(earlier), earlier);
            }
            replay(kmip, vector, file);
        }
        List<String> notes = new ArrayList<>(vector.notes().stream().distinct().toList());
        if (CONTINUES.containsKey(caseName)) {
            notes.addFirst("after " + CONTINUES.get(caseName) + " on the same adapter");
        }
        RESULTS.put(name, notes.isEmpty() ? "passed" : "passed (" + String.join("; ", notes) + ")");
    }
}
