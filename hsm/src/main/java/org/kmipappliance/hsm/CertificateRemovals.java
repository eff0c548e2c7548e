package org.kmipappliance.hsm;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tells the KMIP tier which certificates were just removed, so the connections they opened end at once instead
 * of at their next request.
 */
public final class CertificateRemovals {
    private static final System.Logger LOG = System.getLogger(CertificateRemovals.class.getName());
    private final List<Consumer<Collection<String>>> listeners = new CopyOnWriteArrayList<>();

    /** {@code listener} receives the SHA-256 fingerprints of removed certificates. */
    public void subscribe(Consumer<Collection<String>> listener) {
        listeners.add(listener);
    }

    public void unsubscribe(Consumer<Collection<String>> listener) {
        listeners.remove(listener);
    }

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
}
