package org.kmipappliance.appliance;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.LogManager;
import sun.misc.Signal;

/**
 * A node's life as a service: from the moment its start begins, a stop (SIGTERM, Ctrl-C) closes it in order and
 * says so in the log, also when it arrives while the node is still starting: the start is let finish, then
 * undone. A start that fails leaves nothing to stop and nothing more to say.
 */
final class Lifetime {
    private static final System.Logger LOG = System.getLogger(Lifetime.class.getName());
    /** How long a stop waits for a start under way before the process ends without closing it. */
    private static final Duration START_WAIT = Duration.ofMinutes(2);

    private final CompletableFuture<Appliance> started = new CompletableFuture<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Lifetime() {
    }

    /** Starts a node with {@code start}, stopping it when the process is asked to end. */
    static Lifetime begin(Supplier<Appliance> start) {
        Lifetime lifetime = new Lifetime();
        Runtime.getRuntime().addShutdownHook(new Thread(lifetime::stop, "appliance-shutdown"));
        try {
            lifetime.started.complete(start.get());
        } catch (RuntimeException | Error e) {
            lifetime.started.complete(null);
            throw e;
        }
        return lifetime;
    }

    Appliance appliance() {
        return started.join();
    }

    /**
     * SIGHUP ({@code systemctl reload}) makes the node check its listeners' certificates now rather than within the
     * hour: an operator who replaced the files sees them taken up at once.
     */
    void checkCertificatesOnHangup() {
        if (hangupIgnored()) {
            // The JVM leaves a signal its parent ignored alone, and so would Signal.handle, silently.
            LOG.log(System.Logger.Level.WARNING, "SIGHUP is ignored in this process (it was started with SIGHUP "
                    + "ignored, as nohup does): a reload (systemctl reload, kill -HUP) cannot reach it; the "
                    + "listeners' certificates are still checked every hour");
            return;
        }
        // sun.misc.Signal (jdk.unsupported) is the JDK's only way to handle SIGHUP; javac warns that it is internal.
        Signal.handle(new Signal("HUP"), signal -> Thread.ofVirtual().name("sighup").start(() -> {
            LOG.log(System.Logger.Level.INFO, "SIGHUP: checking the listeners' certificates now");
            try {
                appliance().certificates().check();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the certificate check failed", e);
            }
        }));
    }

    /** Whether SIGHUP (signal 1) is in the ignored set of /proc/self/status; false where that cannot be read. */
    static boolean hangupIgnored() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("SigIgn:"))
                    .map(line -> new BigInteger(line.substring("SigIgn:".length()).strip(), 16))
                    .anyMatch(ignored -> ignored.testBit(0));
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Returns once the node has been stopped and closed. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    private void stop() {
        try {
            Appliance appliance = awaitStart();
            if (appliance != null) {
                LOG.log(System.Logger.Level.INFO, "stopping: closing the listeners, then custody, the database and "
                        + "the HSM session");
                appliance.close();
                LOG.log(System.Logger.Level.INFO, "stopped");
            }
        } finally {
            if (LogManager.getLogManager() instanceof LogLines.Manager manager) {
                manager.finish();
            }
            stopped.countDown();
        }
    }

    private Appliance awaitStart() {
        if (!started.isDone()) {
            LOG.log(System.Logger.Level.INFO, "asked to stop while starting: finishing the start, then stopping");
        }
        try {
            return started.get(START_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "the start did not finish within {0} s; ending without closing "
                    + "the node", START_WAIT.toSeconds());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            return null;
        }
    }
}
