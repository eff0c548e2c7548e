package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A log record is exactly its own lines, whatever text a client managed to put into it. */
class LogLinesTest {
    private static final String FORGED = "CN=evil\n2026-11-29T10:00:00.000Z INFO org.kmipappliance.audit: kmip.get x "
            + "success by admin\r\u2028\u0000";

    private static List<String> lines(LogRecord record) {
        return new LogLines().format(record).lines().toList();
    }

    @Test
    @DisplayName("A36 log forging: line breaks and control characters from a client are escaped, in messages and "
            + "in exception messages")
    void clientText_cannotForgeALine() {
        LogRecord record = new LogRecord(Level.WARNING, "refused certificate {0}");
        record.setLoggerName("org.kmipappliance.kmip.server.KmipServer");
        record.setParameters(new Object[] {FORGED});
        List<String> plain = lines(record);
        assertEquals(1, plain.size(), plain.toString());
        assertTrue(plain.getFirst().contains("CN=evil\\n2026-11-29T10:00:00.000Z INFO"), plain.getFirst());
        assertTrue(plain.getFirst().contains("\\r\\u2028\\u0000"), plain.getFirst());

        record.setThrown(new IllegalStateException("wrapped", new IllegalArgumentException(FORGED)));
        List<String> withTrace = lines(record);
        assertTrue(withTrace.stream().skip(1).allMatch(line -> line.startsWith("\tat ")
                || line.startsWith("java.lang.") || line.startsWith("Caused by: java.lang.")), withTrace.toString());
        assertTrue(withTrace.stream().anyMatch(line -> line.startsWith("Caused by: java.lang.IllegalArgumentException: "
                + "CN=evil\\n2026")), withTrace.toString());
    }

    @Test
    void text_withoutControlCharacters_isLeftAsItIs() {
        assertEquals("certificate 3f:a2 (subject CN=vcenter, O=Example) is not registered",
                LogLines.oneLine("certificate 3f:a2 (subject CN=vcenter, O=Example) is not registered"));
    }
}
