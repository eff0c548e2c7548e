package org.kmipappliance.rest;

import java.time.Duration;

/**
 * How the REST listener runs.
 *
 * @param host           address to bind (loopback in tests)
 * @param port           8443 by default; 0 picks a free one
 * @param maxConnections connections open at once; the listener stops accepting at the limit (the kernel queues
 *                       newcomers) rather than running out of file descriptors
 * @param readTimeout    a read that waits longer closes the connection: it bounds the TLS handshake of a silent
 *                       client, every stall within a request, and a kept-alive connection's wait for the next one
 * @param metricsAccess  who may read /metrics
 */
public record RestServerConfig(String host, int port, int maxConnections, Duration readTimeout,
                               MetricsAccess metricsAccess) {
    public static final int DEFAULT_PORT = 8443;
    /**
     * Each connection is a virtual thread blocked in a read, so thousands cost little; the limit keeps the file
     * descriptors they hold well below the process's (checked at start).
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Our clients (SDKs, curl, vCenter's browser) send a request at once; 10 s allows for a slow WAN. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);

    /** Who may read /metrics. /health stays open to everyone: load balancers probe it without credentials. */
    public enum MetricsAccess {
        /** Any live API token of any instance, as a bearer token (Prometheus: authorization.credentials_file). */
        TOKEN,
        /** Everyone who reaches the port: for networks where only the monitoring system does. */
        OPEN
    }

    public static RestServerConfig defaults(String host, int port) {
        return new RestServerConfig(host, port, DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT, MetricsAccess.TOKEN);
    }
}
