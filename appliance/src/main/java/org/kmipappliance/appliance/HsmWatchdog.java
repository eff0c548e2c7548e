package org.kmipappliance.appliance;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The last resort of HSM recovery. Key handles that went stale are refreshed in-process; but some HSM libraries
 * (SoftHSM2 among them) keep a token that vanished invalid until the process restarts. When the HSM has failed its
 * health check for {@code threshold} without a break, the watchdog asks the process to exit with
 * {@link #EXIT_RESTART}, and the service manager (systemd, or bin/kmip-appliance) starts it again, which re-opens
 * the HSM. While the HSM stays away, KMIP and REST keep answering Cryptographic Failure and 503.
 */
final class HsmWatchdog implements AutoCloseable {
    /** EX_TEMPFAIL: the launcher and the systemd unit restart the appliance on it. */
    static final int EXIT_RESTART = 75;
    private static final System.Logger LOG = System.getLogger(HsmWatchdog.class.getName());

    private final Thread thread;
    private volatile boolean closed;

    private HsmWatchdog(BooleanSupplier hsmHealthy, Duration threshold, Runnable giveUp) {
        Duration interval = threshold.dividedBy(4).compareTo(Duration.ofSeconds(5)) < 0 ? threshold.dividedBy(4)
                : Duration.ofSeconds(5);
        this.thread = Thread.ofVirtual().name("hsm-watchdog").start(() -> watch(hsmHealthy, threshold, interval,
                giveUp));
    }

    static HsmWatchdog start(BooleanSupplier hsmHealthy, Duration threshold, Runnable giveUp) {
        return new HsmWatchdog(hsmHealthy, threshold, giveUp);
    }

    private void watch(BooleanSupplier hsmHealthy, Duration threshold, Duration interval, Runnable giveUp) {
        long downSince = 0;
        while (!closed) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            if (hsmHealthy.getAsBoolean()) {
                if (downSince != 0) {
                    LOG.log(System.Logger.Level.INFO, "the HSM answers again");
                }
                downSince = 0;
                continue;
            }
            long now = System.nanoTime();
            if (downSince == 0) {
                downSince = now;
                LOG.log(System.Logger.Level.ERROR, "the HSM does not answer; KMIP and REST answer Cryptographic "
                        + "Failure and 503 until it does");
            } else if (Duration.ofNanos(now - downSince).compareTo(threshold) >= 0) {
                LOG.log(System.Logger.Level.ERROR, "the HSM has not answered for {0} s; exiting with status {1} so the "
                        + "service manager restarts the appliance and re-opens the HSM", threshold.toSeconds(),
                        EXIT_RESTART);
                giveUp.run();
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
