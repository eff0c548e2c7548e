package org.kmipappliance.kmip.message;

import java.time.Instant;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * The Date-Times this server accepts from clients: years 1 to 9999. TTLV carries any signed 64-bit second count,
 * but Java's Instant ends near year 1,000,000,000 and PostgreSQL's timestamp at year 294,276; a date outside what
 * is stored exactly is Invalid Field, answered before it reaches either.
 */
public final class KmipDates {
    public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private KmipDates() {
    }

    /** The instant {@code item} names, if it lies in the accepted range; {@code name} names it in the error. */
    public static Instant instantOf(Ttlv.DateTimeItem item, String name) throws KmipException {
        long seconds = item.epochSeconds();
        if (seconds < EARLIEST.getEpochSecond() || seconds > LATEST.getEpochSecond()) {
            throw new KmipException(ResultReason.INVALID_FIELD, name + " " + seconds + " (POSIX seconds) is outside "
                    + "the dates this server accepts, years 1 to 9999");
        }
        return Instant.ofEpochSecond(seconds);
    }
}
