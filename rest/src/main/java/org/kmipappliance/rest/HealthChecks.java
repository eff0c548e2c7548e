package org.kmipappliance.rest;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What /health reports beyond custody's own checks (database, HSM): more checks by name (the KMIP listener, the
 * listeners' certificates), each up or down, and warnings an operator should act on that do not stop service
 * (a certificate close to expiry).
 */
public record HealthChecks(Supplier<Map<String, Boolean>> checks, Supplier<List<String>> warnings) {
    /** Custody's checks only. */
    public static HealthChecks none() {
        return new HealthChecks(Map::of, List::of);
    }
}
