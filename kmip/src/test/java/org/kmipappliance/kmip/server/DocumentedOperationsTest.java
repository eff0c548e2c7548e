package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.kmipappliance.kmip.server.KmipOperationsTest.payload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/** docs/kmip.md's "Operations by protocol version" table is what Query answers at each version. */
class DocumentedOperationsTest {
    private static final List<ProtocolVersion> VERSIONS = List.of(ProtocolVersion.V1_0, ProtocolVersion.V1_1,
            ProtocolVersion.V1_2, ProtocolVersion.V1_3, ProtocolVersion.V1_4);
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("documented-operations");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** The table's rows: operation names (a row may name several) and one cell per version. */
    private static List<List<String>> documentedRows() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "docs", "kmip.md"));
        int header = lines.indexOf("| operation | 1.0 | 1.1 | 1.2 | 1.3 | 1.4 | when not offered, why |");
        List<List<String>> rows = new ArrayList<>();
        for (int i = header + 2; header >= 0 && i < lines.size() && lines.get(i).startsWith("| "); i++) {
            String[] cells = lines.get(i).split("\\|");
            List<String> row = new ArrayList<>();
            for (int cell = 1; cell <= 6; cell++) {
                row.add(cells[cell].trim());
            }
            rows.add(row);
        }
        return rows;
    }

    /** "Re-key Key Pair" -> "RE_KEY_KEY_PAIR", as the Operation enum names it. */
    private static String constantName(String documented) {
        return documented.toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    @Test
    void eachVersionsQueryAnswer_isTheDocumentedColumn() throws Exception {
        List<List<String>> rows = documentedRows();
        assertFalse(rows.isEmpty(), "docs/kmip.md has the table");
        for (int column = 0; column < VERSIONS.size(); column++) {
            ProtocolVersion version = VERSIONS.get(column);
            Set<String> documented = new TreeSet<>();
            for (List<String> row : rows) {
                if (row.get(column + 1).equals("yes")) {
                    for (String name : row.getFirst().split(", ")) {
                        documented.add(constantName(name));
                    }
                }
            }
            Set<String> answered = new TreeSet<>();
            try (KmipClient kmip = fixture.connect(client, version)) {
                Ttlv.Structure query = kmip.call(Operation.QUERY, payload(new Ttlv.EnumerationItem(
                        Tag.QUERY_FUNCTION, KmipEnums.QUERY_OPERATIONS)));
                for (Ttlv item : query.all(Tag.OPERATION)) {
                    int code = ((Ttlv.EnumerationItem) item).value();
                    answered.add(Operation.ofCode(code).map(Enum::name).orElse("0x" + Integer.toHexString(code)));
                }
            }
            assertEquals(documented, answered, "KMIP " + version + ": docs/kmip.md's column against Query's answer");
        }
    }
}
