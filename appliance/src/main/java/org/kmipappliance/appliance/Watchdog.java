package org.kmipappliance.appliance;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The last resort of recovery: a part that has failed its check for {@code threshold} without a break makes the
 * process exit with {@link #EXIT_RESTART}, and the service manager (systemd, or bin/kmip-appliance) starts it again.
 * The HSM: some libraries (SoftHSM2 among them) keep a token that vanished invalid until the process restarts; while
 * it stays away, KMIP and REST answer Cryptographic Failure and 503. A listener: Helidon's accept loop ends for good
 * on an error such as running out of file descriptors, and a process without its listener would serve nobody while
 * looking alive.
 */
final class Watchdog implements AutoCloseable {
    /** EX_TEMPFAIL: the launcher and the systemd unit restart the appliance on it. */
    static final int EXIT_RESTART = 75;
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());

    private final Thread thread;
    private volatile boolean closed;

    private Watchdog(String part, BooleanSupplier healthy, Duration threshold, String meanwhile, Runnable giveUp) {
        Duration interval = threshold.dividedBy(4).compareTo(Duration.ofSeconds(5)) < 0 ? threshold.dividedBy(4)
                : Duration.ofSeconds(5);
        this.thread = Thread.ofVirtual().name("watchdog").start(() -> watch(part, healthy, threshold, interval,
                meanwhile, giveUp));
    }

    /**
     * Checks {@code part} with {@code healthy} a few times per {@code threshold}; {@code meanwhile} says what clients
     * see while it fails.
     */
    static Watchdog start(String part, BooleanSupplier healthy, Duration threshold, String meanwhile,
                          Runnable giveUp) {
        return new Watchdog(part, healthy, threshold, meanwhile, giveUp);
    }

    private void watch(String part, BooleanSupplier healthy, Duration threshold, Duration interval, String meanwhile,
                       Runnable giveUp) {
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
            if (healthy.getAsBoolean()) {
                if (downSince != 0) {
                    LOG.log(System.Logger.Level.INFO, "{0} answers again", part);
                }
                downSince = 0;
                continue;
            }
            long now = System.nanoTime();
            if (downSince == 0) {
                downSince = now;
                LOG.log(System.Logger.Level.ERROR, "{0} does not answer; {1}", part, meanwhile);
            } else if (Duration.ofNanos(now - downSince).compareTo(threshold) >= 0) {
                LOG.log(System.Logger.Level.ERROR, "{0} has not answered for {1} s; exiting with status {2} so the "
                        + "service manager restarts the appliance", part, threshold.toSeconds(), EXIT_RESTART);
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
