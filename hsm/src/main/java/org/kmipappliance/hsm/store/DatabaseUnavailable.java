package org.kmipappliance.hsm.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Tells a failure because the database cannot be reached (stopped, restarting, failing over, no connection within
 * the pool's timeout) from any other: the first passes by itself and is answered "try again", not as a fault of
 * the request or a bug. Decided by exception type and SQLSTATE, never by message text.
 */
public final class DatabaseUnavailable {
    /** How often an ongoing outage is logged: once, then at most once per this interval. */
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger(DatabaseUnavailable.class.getName());
    private static final AtomicReference<Instant> LAST_LOGGED = new AtomicReference<>(Instant.EPOCH);

    private DatabaseUnavailable() {
    }

    /** Whether {@code failure} (or a cause) says the database could not be reached. */
    public static boolean is(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException || cause instanceof SQLNonTransientConnectionException
                    || cause instanceof java.net.ConnectException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null && unavailableState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLSTATE class 08 (connection exception), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
     * now (starting up or recovering).
     */
    private static boolean unavailableState(String state) {
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
    }

    /** Logs the outage for the operator, at most once per interval however many requests meet it. */
    public static void report(Throwable failure, Clock clock) {
        Instant now = clock.instant();
        Instant last = LAST_LOGGED.get();
        if (now.isAfter(last.plus(LOG_INTERVAL)) && LAST_LOGGED.compareAndSet(last, now)) {
            LOG.log(System.Logger.Level.WARNING, "the database cannot be reached; requests are refused until it is "
                    + "back (" + rootCause(failure) + ")");
        }
    }

    private static String rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
