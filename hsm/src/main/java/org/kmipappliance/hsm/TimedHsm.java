package org.kmipappliance.hsm;

import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * Every HSM call of key custody, each timed into the metrics and bounded: at most {@code maxConcurrentCalls} run at
 * once (each holds one PKCS#11 session), so a burst of clients queues here instead of exhausting an HSM partition's
 * sessions. Callers are virtual threads; waiting for a permit blocks no carrier thread.
 */
final class TimedHsm {
    private static final String LATENCY = "kmip_appliance_hsm_operation_seconds";
    private static final String HELP = "Time HSM calls take, waiting for a session excluded, by operation";

    private final Hsm hsm;
    private final Metrics metrics;
    private final Semaphore sessions;

    TimedHsm(Hsm hsm, Metrics metrics, int maxConcurrentCalls) {
        this.hsm = hsm;
        this.metrics = metrics;
        this.sessions = new Semaphore(maxConcurrentCalls, true);
        metrics.gauge("kmip_appliance_hsm_sessions_max", "HSM calls that may run at once (hsm.max-sessions)",
                () -> maxConcurrentCalls);
        metrics.gauge("kmip_appliance_hsm_sessions_in_use", "HSM calls running now",
                () -> maxConcurrentCalls - sessions.availablePermits());
        metrics.gauge("kmip_appliance_hsm_calls_waiting", "Callers waiting for an HSM session",
                sessions::getQueueLength);
    }

    SecretBytes generateDataKey(int bits) {
        return call("generate", () -> hsm.generateDataKey(bits));
    }

    GeneratedKeyPair generateKeyPair(String algorithm, int size) {
        return call("generate_key_pair", () -> hsm.generateKeyPair(algorithm, size));
    }

    byte[] seal(String label, byte[] associatedData, SecretBytes plaintext) {
        return call("seal", () -> hsm.seal(label, associatedData, plaintext));
    }

    SecretBytes open(String label, byte[] associatedData, byte[] blob) {
        return call("open", () -> hsm.open(label, associatedData, blob));
    }

    void createRootKey(String label) {
        call("create_root_key", () -> {
            hsm.createRootKey(label);
            return null;
        });
    }

    byte[] createTransportKey(String label) {
        return call("create_transport_key", () -> hsm.createTransportKey(label));
    }

    void destroyTransportKey(String label) {
        call("destroy_transport_key", () -> {
            hsm.destroyTransportKey(label);
            return null;
        });
    }

    OptionalInt importRootKey(String label, String transportLabel, ImportWrapping wrapping, byte[] wrapped) {
        return call("import_root_key", () -> hsm.importRootKey(label, transportLabel, wrapping, wrapped));
    }

    OptionalInt importRootKey(String label, SecretBytes material) {
        return call("import_root_key", () -> hsm.importRootKey(label, material));
    }

    void destroyRootKey(String label) {
        call("destroy_root_key", () -> {
            hsm.destroyRootKey(label);
            return null;
        });
    }

    boolean containsRootKey(String label) {
        return call("list_keys", () -> hsm.containsRootKey(label));
    }

    /** The labels of every secret key on the token. */
    Set<String> rootKeyLabels() {
        return call("list_keys", hsm::rootKeyLabels);
    }

    /** A seal with the health-probe key: a real round trip to the token. */
    void probe() {
        call("probe", () -> {
            hsm.probe();
            return null;
        });
    }

    void createProbeKeyIfMissing() {
        call("create_root_key", () -> {
            hsm.createProbeKeyIfMissing();
            return null;
        });
    }

    private <T> T call(String operation, Supplier<T> action) {
        sessions.acquireUninterruptibly();
        try {
            return metrics.time(LATENCY, HELP, action, "operation", operation);
        } catch (RuntimeException e) {
            metrics.increment("kmip_appliance_hsm_operation_failures_total", "HSM calls that failed, by operation",
                    "operation", operation);
            throw e;
        } finally {
            sessions.release();
        }
    }
}
