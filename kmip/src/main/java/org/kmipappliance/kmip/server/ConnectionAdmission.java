package org.kmipappliance.kmip.server;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who may hold one of the KMIP listener's connections. A connection counts from its first TCP byte, before TLS, so
 * the limits also hold against clients without a certificate; what keeps such clients from locking registered ones
 * out is that a connection which has not finished its handshake is the first to go: when the listener (or one source
 * address) is full, the oldest such connection is closed to make room. Only connections that proved a registered
 * certificate are safe, and when all of them are, the newcomer is refused.
 */
final class ConnectionAdmission {
    /** What became of a new connection. */
    sealed interface Decision {
        /** Admitted; {@code evicted}, when present, was closed to make room. */
        record Admitted(Optional<Channel> evicted) implements Decision {
        }

        /** Refused: every connection of the listener, or of this source, has finished its handshake. */
        record Refused(String reason) implements Decision {
        }
    }

    /** The refusal reason when the listener is full (a metrics label). */
    static final String LISTENER_FULL = "listener_full";
    /** The refusal reason when the source address holds its share. */
    static final String SOURCE_FULL = "source_full";

    private final int maxTotal;
    private final int maxPerSource;
    /** Connections still in their handshake, oldest first. */
    private final LinkedHashSet<Channel> handshaking = new LinkedHashSet<>();
    private final Map<Channel, InetAddress> counted = new HashMap<>();
    private final Map<InetAddress, Integer> perSource = new HashMap<>();

    ConnectionAdmission(int maxTotal, int maxPerSource) {
        if (maxTotal < 1 || maxPerSource < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
        this.maxTotal = maxTotal;
        this.maxPerSource = maxPerSource;
    }

    /**
     * Admits {@code channel} from {@code source}, closing the oldest connection still in its handshake if that is
     * what makes room (the caller closes it: {@link Decision.Admitted#evicted()}).
     */
    synchronized Decision admit(Channel channel, InetAddress source) {
        Optional<Channel> evicted = Optional.empty();
        if (perSource.getOrDefault(source, 0) >= maxPerSource) {
            evicted = evictOldestHandshaking(candidate -> source.equals(counted.get(candidate)));
            if (evicted.isEmpty()) {
                return new Decision.Refused(SOURCE_FULL);
            }
        } else if (counted.size() >= maxTotal) {
            evicted = evictOldestHandshaking(candidate -> true);
            if (evicted.isEmpty()) {
                return new Decision.Refused(LISTENER_FULL);
            }
        }
        counted.put(channel, source);
        perSource.merge(source, 1, Integer::sum);
        handshaking.add(channel);
        return new Decision.Admitted(evicted);
    }

    private Optional<Channel> evictOldestHandshaking(Predicate<Channel> eligible) {
        for (Iterator<Channel> oldestFirst = handshaking.iterator(); oldestFirst.hasNext(); ) {
            Channel candidate = oldestFirst.next();
            if (eligible.test(candidate)) {
                forget(candidate);
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The connection proved a registered certificate: it is no longer a candidate for eviction. */
    synchronized void authenticated(Channel channel) {
        handshaking.remove(channel);
    }

    /** The connection closed; a no-op for one already evicted. */
    synchronized void closed(Channel channel) {
        forget(channel);
    }

    private void forget(Channel channel) {
        handshaking.remove(channel);
        InetAddress source = counted.remove(channel);
        if (source != null) {
            perSource.computeIfPresent(source, (address, count) -> count == 1 ? null : count - 1);
        }
    }

    /** Connections counted now. */
    synchronized int open() {
        return counted.size();
    }

    /** Connections counted now that have not finished their handshake. */
    synchronized int handshaking() {
        return handshaking.size();
    }
}
