package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.kmip.client.KmipClient;

/**
 * The appliance killed (SIGKILL) while KMIP clients create and fetch keys, again and again, each time started
 * again on the same state as its service manager would: every key whose Create was answered is there after the
 * restart with the material a Get returned before the kill, and every object a Locate finds opens (nothing
 * half-created is visible). {@code -Dcrash.trials=N} runs more kills than the default three (twenty or more for a
 * long run).
 */
class CrashRecoveryTest {
    private static final int TRIALS = Integer.getInteger("crash.trials", 3);
    private static final int CLIENTS = 4;

    @Test
    void killedDuringCreates_everyAcknowledgedKeyIsThereAfterTheRestart() throws Exception {
        Path state = Path.of(System.getProperty("java.io.tmpdir"), "crash-" + UUID.randomUUID());
        Path config = ApplianceProcess.writeConfig(state, "");
        // Key id -> material from a Get before the kill; Optional.empty() when only the Create was answered.
        Map<String, Optional<byte[]>> acknowledged = new ConcurrentHashMap<>();
        CertificateAuthority.Issued identity;
        ApplianceProcess.Admin admin;
        try (ApplianceProcess first = ApplianceProcess.start(state, config)) {
            admin = first.admin();
            ApplianceClient client = new ApplianceClient(first, admin);
            client.createAdapter("crash", client.createRootKey("crash-root"));
            identity = client.registerClient("crash", "crash-client");
        }
        for (int trial = 1; trial <= TRIALS; trial++) {
            ApplianceProcess node = ApplianceProcess.start(state, config);
            ApplianceClient client = new ApplianceClient(node, admin);
            assertEveryAcknowledgedKeyIsThere(client, identity, acknowledged);
            AtomicBoolean running = new AtomicBoolean(true);
            int before = acknowledged.size();
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> loads = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    loads.add(clients.submit(() -> {
                        try (KmipClient kmip = client.kmip(identity)) {
                            while (running.get()) {
                                String id = kmip.createAesKey(256, 12);
                                acknowledged.put(id, Optional.empty());
                                acknowledged.put(id, Optional.of(kmip.getKeyMaterial(id)));
                            }
                        } catch (Exception e) {
                            // The kill cuts the connection mid-request: that request was never answered.
                        }
                        return null;
                    }));
                }
                // Kill at a random moment once this trial's clients are under way (a cold JVM takes a while for
                // its first handshakes), so every trial kills mid-load.
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (acknowledged.size() == before && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(1200));
                node.kill();
                running.set(false);
                for (Future<?> load : loads) {
                    load.get(1, TimeUnit.MINUTES);
                }
            }
            assertTrue(acknowledged.size() > before, "trial " + trial + " created keys before the kill:\n"
                    + node.output());
        }
        try (ApplianceProcess last = ApplianceProcess.start(state, config)) {
            ApplianceClient client = new ApplianceClient(last, admin);
            assertEveryAcknowledgedKeyIsThere(client, identity, acknowledged);
            try (KmipClient kmip = client.kmip(identity)) {
                List<String> found = ApplianceClient.locateAll(kmip);
                assertTrue(found.containsAll(acknowledged.keySet()), "Locate finds every acknowledged key");
                for (String id : found) {
                    assertEquals(32, kmip.getKeyMaterial(id).length, "object " + id + " is whole");
                }
                System.out.printf("CrashRecoveryTest: %d kills, %d acknowledged keys, %d objects found, all whole%n",
                        TRIALS, acknowledged.size(), found.size());
            }
        }
        assertEquals(List.of(), leftoverPostmasters(state), "no PostgreSQL outlived its appliance");
    }

    private static void assertEveryAcknowledgedKeyIsThere(ApplianceClient client,
            CertificateAuthority.Issued identity, Map<String, Optional<byte[]>> acknowledged) throws Exception {
        try (KmipClient kmip = client.kmip(identity)) {
            for (Map.Entry<String, Optional<byte[]>> key : acknowledged.entrySet()) {
                byte[] material = kmip.getKeyMaterial(key.getKey());
                key.getValue().ifPresent(expected -> assertArrayEquals(expected, material, "key " + key.getKey()));
            }
        }
    }

    /** Processes whose command line runs PostgreSQL on this state directory's cluster. */
    private static List<Long> leftoverPostmasters(Path state) throws Exception {
        String data = state.resolve("postgres/data").toString();
        List<Long> found = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
            found.clear();
            try (var processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path process : processes) {
                    try {
                        String commandLine = Files.readString(process.resolve("cmdline")).replace('\0', ' ');
                        if (commandLine.contains("postgres") && commandLine.contains(data)) {
                            found.add(Long.parseLong(process.getFileName().toString()));
                        }
                    } catch (java.io.IOException e) {
                        // ended meanwhile
                    }
                }
            }
            if (!found.isEmpty()) {
                Thread.sleep(100);
            }
        } while (!found.isEmpty() && System.nanoTime() < deadline);
        return found;
    }
}
