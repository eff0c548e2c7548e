package org.kmipappliance.appliance;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * How the appliance writes its log: one line per record on stderr (the journal under systemd), stamped in RFC 3339
 * UTC, as text or as JSON for log shippers (log.format). Stack traces stay on the record's line in JSON and follow it
 * in text.
 */
public final class LogLines extends Formatter {
    private static final DateTimeFormatter RFC_3339_UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final boolean json;

    /** The text format; java.util.logging makes formatters named in logging.properties this way. */
    public LogLines() {
        this(false);
    }

    private LogLines(boolean json) {
        this.json = json;
    }

    /** Writes every following record of the root logger's console handlers as JSON. */
    static void useJson() {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler instanceof ConsoleHandler) {
                handler.setFormatter(new LogLines(true));
            }
        }
    }

    @Override
    public String format(LogRecord record) {
        String time = RFC_3339_UTC.format(record.getInstant());
        String message = formatMessage(record);
        String thrown = record.getThrown() == null ? null : stackTrace(record.getThrown());
        if (!json) {
            return time + " " + record.getLevel().getName() + " " + record.getLoggerName() + ": " + message
                    + System.lineSeparator() + (thrown == null ? "" : thrown);
        }
        StringBuilder line = new StringBuilder("{\"time\":\"").append(time).append("\",\"level\":\"")
                .append(record.getLevel().getName()).append("\",\"logger\":");
        quote(line, record.getLoggerName());
        line.append(",\"message\":");
        quote(line, message);
        if (thrown != null) {
            line.append(",\"thrown\":");
            quote(line, thrown);
        }
        return line.append('}').append(System.lineSeparator()).toString();
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter text = new StringWriter();
        thrown.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static void quote(StringBuilder out, String value) {
        out.append('"');
        if (value != null) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * The log manager of the appliance: java.util.logging's own shutdown hook resets every handler, so records
     * logged while the appliance stops (its last lines) would be lost; this one keeps its handlers until the
     * appliance says it is done ({@link #finish()}).
     */
    public static final class Manager extends LogManager {
        private volatile boolean finished;

        @Override
        public void reset() {
            if (!finished && shuttingDown()) {
                return; // java.util.logging's own shutdown hook: the appliance's last lines are still to come
            }
            super.reset();
        }

        /** Flushes and closes the handlers, once the last line is written. */
        void finish() {
            finished = true;
            super.reset();
        }

        private static boolean shuttingDown() {
            Thread probe = new Thread(() -> { });
            try {
                Runtime.getRuntime().addShutdownHook(probe);
                Runtime.getRuntime().removeShutdownHook(probe);
                return false;
            } catch (IllegalStateException e) {
                return true;
            }
        }
    }
}
