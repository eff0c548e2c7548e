package org.kmipappliance.kmip.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The log of refused connections: the first refusal is logged at once, later ones are summed up in at most one line
 * per {@link #INTERVAL}, so a flood of connections cannot flood the log as well. Metrics count every refusal.
 */
final class RefusalLog {
    private static final System.Logger LOG = System.getLogger(KmipServer.class.getName());
    static final Duration INTERVAL = Duration.ofMinutes(1);

    private final Clock clock;
    private final String advice;
    private Instant lastLine = Instant.MIN;
    private final Map<String, Integer> sinceLastLine = new TreeMap<>();

    /** {@code advice}: what an operator can do about refusals, the end of every line. */
    RefusalLog(Clock clock, String advice) {
        this.clock = clock;
        this.advice = advice;
    }

    /** Counts one refusal for {@code reason}, and logs if the last line is {@link #INTERVAL} old. */
    void refused(String reason, String source) {
        String line;
        synchronized (this) {
            sinceLastLine.merge(reason, 1, Integer::sum);
            Instant now = clock.instant();
            if (Duration.between(lastLine, now).compareTo(INTERVAL) < 0) {
                return;
            }
            int total = sinceLastLine.values().stream().mapToInt(Integer::intValue).sum();
            line = total == 1
                    ? "refused a KMIP connection from " + source + " (" + reason + "); " + advice
                    : "refused " + total + " KMIP connections since the last such line " + sinceLastLine
                            + ", the latest from " + source + "; " + advice;
            sinceLastLine.clear();
            lastLine = now;
        }
        LOG.log(System.Logger.Level.WARNING, line);
    }
}
