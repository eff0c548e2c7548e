package org.kmipappliance.appliance.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.kmipappliance.hsm.Hsm;
import org.kmipappliance.hsm.SecretBytes;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The HSM's ceiling for what the appliance asks of it, with no KMIP, TLS or database: "seal" is a Create's HSM work
 * (generate a 256-bit key, seal it under a root key), "open" is a Get's (open a sealed key). The appliance's figures
 * are read as fractions of these, measured in the same run on the same machine (docs/benchmarks/run.sh).
 *
 * <p>It makes a SoftHSM2 token of its own in {@code --state-dir}; SOFTHSM2_CONF must name that token's
 * configuration when the JVM starts (libsofthsm2 reads it then), as for the appliance.
 */
@Command(name = "hsm-ceiling", mixinStandardHelpOptions = true,
        description = "Seal and open per second through the appliance's HSM path, without KMIP, TLS or database.")
public final class HsmCeiling implements Callable<Integer> {
    private static final String ROOT_KEY = "hsm-ceiling-root";

    @Option(names = "--state-dir", required = true, description = "directory of the SoftHSM2 token it makes")
    Path state;

    @Option(names = "--threads", defaultValue = "2", description = "threads calling the HSM (default "
            + "${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per operation (default "
            + "${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HsmCeiling()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmToken.provision(state.resolve("softhsm"), "hsm-ceiling"))) {
            if (!hsm.containsRootKey(ROOT_KEY)) {
                hsm.createRootKey(ROOT_KEY);
            }
            byte[] associatedData = new byte[48];
            byte[] blob;
            try (SecretBytes key = hsm.generateDataKey(256)) {
                blob = hsm.seal(ROOT_KEY, associatedData, key);
            }
            // A second of each first, for the JIT and the token's sessions.
            rate(hsm, threads, Duration.ofSeconds(1), () -> seal(hsm, associatedData));
            double sealPerSecond = rate(hsm, threads, Duration.ofSeconds(seconds), () -> seal(hsm, associatedData));
            rate(hsm, threads, Duration.ofSeconds(1), () -> open(hsm, associatedData, blob));
            double openPerSecond = rate(hsm, threads, Duration.ofSeconds(seconds),
                    () -> open(hsm, associatedData, blob));
            System.out.println(json
                    ? String.format(Locale.ROOT, "{\"threads\":%d,\"seal_per_second\":%.1f,\"open_per_second\":%.1f}",
                    threads, sealPerSecond, openPerSecond)
                    : String.format(Locale.ROOT, "HSM ceiling, %d threads: seal (generate + seal) %.0f/s, open %.0f/s",
                    threads, sealPerSecond, openPerSecond));
        }
        return 0;
    }

    private static void seal(Hsm hsm, byte[] associatedData) {
        try (SecretBytes key = hsm.generateDataKey(256)) {
            hsm.seal(ROOT_KEY, associatedData, key);
        }
    }

    private static void open(Hsm hsm, byte[] associatedData, byte[] blob) {
        try (SecretBytes key = hsm.open(ROOT_KEY, associatedData, blob)) {
            if (key.length() != 32) {
                throw new IllegalStateException("opened " + key.length() + " bytes, not 32");
            }
        }
    }

    /** Calls {@code operation} from {@code threads} platform threads for {@code duration}; returns calls per second. */
    private static double rate(Hsm hsm, int threads, Duration duration, Runnable operation)
            throws InterruptedException {
        AtomicLong calls = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(Thread.ofPlatform().start(() -> {
                long mine = 0;
                while (System.nanoTime() < end) {
                    operation.run();
                    mine++;
                }
                calls.addAndGet(mine);
            }));
        }
        for (Thread thread : running) {
            thread.join();
        }
        return calls.get() / (duration.toNanos() / 1e9);
    }
}
