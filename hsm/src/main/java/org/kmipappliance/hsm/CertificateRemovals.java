package org.kmipappliance.hsm;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells the KMIP tier of every node which certificates were removed, so the connections they opened end at once
 * instead of at their next request. The removing transaction sends a PostgreSQL NOTIFY, which every node listening
 * on the database receives when it commits; the removing node also tells its own tier directly, in case its
 * listener is reconnecting. Closing a connection twice is harmless.
 */
public final class CertificateRemovals implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CertificateRemovals.class.getName());
    static final String CHANNEL = "kmip_certificate_removed";
    /** How long the listener waits for notifications per call; a removal is delivered well within a second. */
    private static final int POLL_MILLIS = 250;
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(30);

    private final List<Consumer<Collection<String>>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private Thread listener;

    /** {@code listener} receives the SHA-256 fingerprints of removed certificates. */
    public void subscribe(Consumer<Collection<String>> listener) {
        listeners.add(listener);
    }

    public void unsubscribe(Consumer<Collection<String>> listener) {
        listeners.remove(listener);
    }

    /** In the removing transaction: tells every node, once it commits. */
    void announce(DSLContext tx, Collection<String> fingerprints) {
        for (String fingerprint : fingerprints) {
            tx.select(DSL.field("pg_notify({0}, {1})", Object.class, DSL.val(CHANNEL), DSL.val(fingerprint))).fetch();
        }
    }

    /** After the removing transaction committed: tells this node's tier at once. */
    void publish(Collection<String> fingerprints) {
        if (fingerprints.isEmpty()) {
            return;
        }
        for (Consumer<Collection<String>> listener : listeners) {
            try {
                listener.accept(fingerprints);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "a listener failed to handle removed certificates", e);
            }
        }
    }

    /** Listens for other nodes' removals, on a session of its own, until closed; reconnects when it breaks. */
    synchronized void listen(CustodyDatabase database) {
        if (listener != null) {
            return;
        }
        listener = Thread.ofVirtual().name("certificate-removals").start(() -> {
            Duration delay = Duration.ofSeconds(1);
            while (!closed) {
                try (Connection session = database.openSession(); Statement statement = session.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                    delay = Duration.ofSeconds(1);
                    PGConnection notifications = session.unwrap(PGConnection.class);
                    while (!closed) {
                        PGNotification[] received = notifications.getNotifications(POLL_MILLIS);
                        if (received != null && received.length > 0) {
                            publish(Arrays.stream(received).map(PGNotification::getParameter).toList());
                        }
                    }
                } catch (SQLException e) {
                    if (!closed) {
                        // MessageFormat: an apostrophe is written twice, or it quotes the placeholders after it.
                        LOG.log(System.Logger.Level.WARNING, "lost the database session that hears other nodes'' "
                                + "certificate removals ({0}); listening again in {1} s", e.getMessage(),
                                delay.toSeconds());
                        sleep(delay);
                        delay = delay.multipliedBy(2).compareTo(MAX_RECONNECT_DELAY) > 0 ? MAX_RECONNECT_DELAY
                                : delay.multipliedBy(2);
                    }
                }
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        Thread running;
        synchronized (this) {
            running = listener;
        }
        if (running != null) {
            try {
                running.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
