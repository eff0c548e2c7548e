package org.kmipappliance.appliance;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * How the appliance writes its log: one line per record on stderr (the journal under systemd), stamped in RFC 3339
 * UTC, as text or as JSON for log shippers (log.format). Stack traces stay on the record's line in JSON and follow it
 * in text. A record is always exactly its own lines: control characters in a message or an exception's message (a
 * client's certificate subject, a path, a name) are written as escapes, so no client text can forge a line.
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
        String message = oneLine(formatMessage(record));
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

    /**
     * The exception and its causes with their frames, as printStackTrace writes them but with each message on one
     * line (suppressed exceptions are left out).
     */
    private static String stackTrace(Throwable thrown) {
        StringBuilder out = new StringBuilder();
        Set<Throwable> written = Collections.newSetFromMap(new IdentityHashMap<>());
        String heading = "";
        for (Throwable cause = thrown; cause != null && written.add(cause); cause = cause.getCause()) {
            out.append(heading).append(cause.getClass().getName());
            if (cause.getLocalizedMessage() != null) {
                out.append(": ").append(oneLine(cause.getLocalizedMessage()));
            }
            out.append(System.lineSeparator());
            for (StackTraceElement frame : cause.getStackTrace()) {
                out.append("\tat ").append(frame).append(System.lineSeparator());
            }
            heading = "Caused by: ";
        }
        return out.toString();
    }

    /** {@code text} with line breaks, other control characters and Unicode line separators escaped. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean breaks = Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085';
            if (breaks && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (!breaks) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else if (c == '\t') {
                    out.append("\\t");
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return out == null ? text : out.toString();
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
