package org.kmipappliance.hsm.testing;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Collects every log record, formatted as an operator would read it, so tests can scan the log for secrets. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final StringBuilder text = new StringBuilder();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Logger appLogger = Logger.getLogger("org.kmipappliance");
    private final Level previousLevel;

    private LogCapture() {
        setLevel(Level.ALL);
        previousLevel = appLogger.getLevel();
        // The appliance's own code at its most verbose; everything else at its configured level.
        appLogger.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(this);
    }

    public static LogCapture install() {
        return new LogCapture();
    }

    @Override
    public synchronized void publish(LogRecord record) {
        text.append(formatter.format(record));
    }

    public synchronized String text() {
        return text.toString();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        appLogger.setLevel(previousLevel);
    }
}
