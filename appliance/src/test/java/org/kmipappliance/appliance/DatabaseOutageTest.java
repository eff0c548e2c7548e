package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipException;

/**
 * The appliance's PostgreSQL dies (SIGKILL) under KMIP and REST load: while it is down every request gets an answer,
 * a clean "try again" (KMIP General Failure, REST 503), on connections that stay open; the appliance starts its
 * database again by itself and serves every key it acknowledged.
 */
class DatabaseOutageTest {
    private static final Set<String> KMIP_OUTCOMES = Set.of("success", "GENERAL_FAILURE");
    private static final Set<Integer> REST_OUTCOMES = Set.of(200, 503);
    /**
     * Longer than a request waits for a database connection (5 s): a database back sooner only makes requests
     * slower, and the test would see no refusal.
     */
    private static final Duration DOWN_FOR = Duration.ofSeconds(8);

    @Test
    void postgresKilledUnderLoad_requestsFailCleanly_andTheApplianceRecoversByItself() throws Exception {
        Path state = Path.of(System.getProperty("java.io.tmpdir"), "db-outage-" + UUID.randomUUID());
        try (ApplianceProcess appliance = ApplianceProcess.start(state, ApplianceProcess.writeConfig(state, ""))) {
            ApplianceClient client = new ApplianceClient(appliance, appliance.admin());
            client.createAdapter("outage", client.createRootKey("outage-root"));
            CertificateAuthority.Issued identity = client.registerClient("outage", "outage-client");

            Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
            List<String> kmipOutcomes = new CopyOnWriteArrayList<>();
            List<Integer> restOutcomes = new CopyOnWriteArrayList<>();
            List<Throwable> workerFailures = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            // The outage begins once every worker has been answered: a connection opened during it would be refused
            // at the handshake (the certificate cannot be checked), and the test would see no refusal to recover from.
            CountDownLatch everyWorkerAnswered = new CountDownLatch(4);
            try (ExecutorService load = Executors.newFixedThreadPool(4)) {
                List<Future<?>> workers = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    workers.add(load.submit(recordingFailure(workerFailures, () -> {
                        Runnable answered = once(everyWorkerAnswered::countDown);
                        try (KmipClient kmip = client.kmip(identity)) {
                            while (running.get()) {
                                try {
                                    String id = kmip.createAesKey(256, 12);
                                    acknowledged.put(id, kmip.getKeyMaterial(id));
                                    kmipOutcomes.add("success");
                                    answered.run();
                                } catch (KmipException e) {
                                    kmipOutcomes.add(e.reason().name());
                                    Thread.sleep(20);
                                }
                            }
                        }
                        return null;
                    })));
                }
                workers.add(load.submit(recordingFailure(workerFailures, () -> {
                    Runnable answered = once(everyWorkerAnswered::countDown);
                    while (running.get()) {
                        restOutcomes.add(client.send("GET", "/api/v2/keys", null, null).statusCode());
                        answered.run();
                        Thread.sleep(20);
                    }
                    return null;
                })));
                try {
                    assertTrue(everyWorkerAnswered.await(2, TimeUnit.MINUTES), "the load started: " + workerFailures);
                    Thread.sleep(500);
                    long first = postmasterOf(appliance);
                    keepPostgresDown(appliance, DOWN_FOR);
                    Supplier<String> seen = () -> "KMIP outcomes " + kmipOutcomes + "\nREST outcomes " + restOutcomes
                            + "\nworkers that ended early " + workerFailures + "\nthe appliance printed:\n"
                            + appliance.output();
                    awaitRefusalThenRecovery(() -> kmipOutcomes.stream().map("success"::equals).toList(), seen);
                    awaitRefusalThenRecovery(() -> restOutcomes.stream().map(status -> status == 200).toList(), seen);
                    assertTrue(postmasterOf(appliance) != first, "a new postmaster runs");
                } finally {
                    running.set(false);
                }
                for (Future<?> worker : workers) {
                    worker.get(1, TimeUnit.MINUTES); // an I/O error here means a connection was dropped
                }
            }
            assertTrue(KMIP_OUTCOMES.containsAll(Set.copyOf(kmipOutcomes)), "KMIP outcomes: " + Set.copyOf(
                    kmipOutcomes));
            assertTrue(REST_OUTCOMES.containsAll(Set.copyOf(restOutcomes)), "REST outcomes: " + Set.copyOf(
                    restOutcomes));
            try (KmipClient kmip = client.kmip(identity)) {
                for (Map.Entry<String, byte[]> key : acknowledged.entrySet()) {
                    assertArrayEquals(key.getValue(), kmip.getKeyMaterial(key.getKey()), "key " + key.getKey());
                }
            }
            assertFalse(appliance.output().contains("failed unexpectedly"), "an outage is no bug:\n"
                    + appliance.output());
            assertTrue(appliance.output().contains("lost the database session that hears other nodes' certificate "
                    + "removals"), "the certificate-removal listener reported its reconnection:\n"
                    + appliance.output());
            assertFalse(appliance.output().matches("(?s).*\\{\\d}.*"), "every log line has its values filled in:\n"
                    + appliance.output());
            System.out.printf("DatabaseOutageTest: %d KMIP answers (%d refused while down), %d REST answers (%d 503), "
                            + "%d keys intact%n", kmipOutcomes.size(), kmipOutcomes.stream()
                            .filter(outcome -> !outcome.equals("success")).count(), restOutcomes.size(),
                    restOutcomes.stream().filter(status -> status == 503).count(), acknowledged.size());
        }
    }

    /** Kills the appliance's postmaster, and every one it starts again, for {@code duration}. */
    private static void keepPostgresDown(ApplianceProcess appliance, Duration duration) throws Exception {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            for (ProcessHandle child : ProcessHandle.of(appliance.pid()).orElseThrow().children().toList()) {
                if (isPostgres(child)) {
                    child.destroyForcibly();
                }
            }
            Thread.sleep(50);
        }
    }

    private static boolean isPostgres(ProcessHandle process) {
        try {
            String commandLine = Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return commandLine.contains("postgres") && commandLine.contains("-D");
        } catch (java.io.IOException e) {
            return false; // ended meanwhile
        }
    }

    private static Runnable once(Runnable action) {
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                action.run();
            }
        };
    }

    /** A load worker that keeps what ended it, so that a failure shows it at once rather than after the test. */
    private static Callable<Void> recordingFailure(List<Throwable> failures, Callable<?> work) {
        return () -> {
            try {
                work.call();
                return null;
            } catch (Exception | Error e) {
                failures.add(e);
                throw e;
            }
        };
    }

    /**
     * Waits until the outcomes (true: success) show the outage, a refusal, and then a success after it; when they
     * do not, fails with {@code whatWasSeen}.
     */
    private static void awaitRefusalThenRecovery(Supplier<List<Boolean>> outcomes, Supplier<String> whatWasSeen)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            List<Boolean> seen = outcomes.get();
            int refusal = seen.indexOf(false);
            if (refusal >= 0 && seen.subList(refusal, seen.size()).contains(true)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no refusal followed by recovery was seen; " + whatWasSeen.get());
    }

    /** The appliance's postmaster: its child whose command line runs PostgreSQL. */
    private static long postmasterOf(ApplianceProcess appliance) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ProcessHandle child : ProcessHandle.of(appliance.pid()).orElseThrow().children().toList()) {
                if (isPostgres(child)) {
                    return child.pid();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the appliance runs no PostgreSQL");
    }
}
