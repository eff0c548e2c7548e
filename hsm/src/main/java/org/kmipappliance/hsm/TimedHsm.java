package org.kmipappliance.hsm;

import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;

/** The HSM calls of KMIP key custody, each timed into the metrics. */
final class TimedHsm {
    private static final String LATENCY = "kmip_appliance_hsm_operation_seconds";
    private static final String HELP = "Time spent in HSM calls, by operation";

    private final Pkcs11Hsm hsm;
    private final Metrics metrics;

    TimedHsm(Pkcs11Hsm hsm, Metrics metrics) {
        this.hsm = hsm;
        this.metrics = metrics;
    }

    SecretBytes generateDataKey(int bits) {
        return metrics.time(LATENCY, HELP, () -> hsm.generateDataKey(bits), "operation", "generate");
    }

    byte[] seal(String label, byte[] associatedData, SecretBytes plaintext) {
        return metrics.time(LATENCY, HELP, () -> hsm.seal(label, associatedData, plaintext), "operation", "seal");
    }

    SecretBytes open(String label, byte[] associatedData, byte[] blob) {
        return metrics.time(LATENCY, HELP, () -> hsm.open(label, associatedData, blob), "operation", "open");
    }
}
