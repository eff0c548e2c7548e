package org.kmipappliance.appliance.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.kmipappliance.appliance.Appliance;
import org.kmipappliance.appliance.ApplianceConfig;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.LocateQuery;
import org.kmipappliance.hsm.NewSymmetricKey;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.system.PrivateFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Locate by Name in an adapter that already holds many keys: starts an appliance on a state directory of its own,
 * fills one adapter with {@code --keys} named AES keys through the custody API (generated and sealed by the HSM,
 * committed in shared transactions, as KMIP Creates are), then runs kmip-bench's Locate workload against it over
 * KMIP. Issue 16 asks for Locate by Name p99 under 5 ms with 1,000,000 keys.
 *
 * <p>SOFTHSM2_CONF must name {@code STATE/softhsm/softhsm2.conf} when the JVM starts, as for the appliance.
 */
@Command(name = "locate-at-scale", mixinStandardHelpOptions = true,
        description = "Fills an adapter with many named keys, then measures Locate by Name over KMIP.")
public final class LocateAtScale implements Callable<Integer> {
    private static final String NAME = "locate-at-scale";
    private static final Requester FILLER = Requester.system(NAME);

    @Option(names = "--state-dir", required = true, description = "state directory of the appliance it starts: "
            + "empty, or one this tool filled before (it fills up to --keys, then measures again)")
    Path state;

    @Option(names = "--keys", defaultValue = "1000000", description = "keys in the adapter before Locate is "
            + "measured, those of earlier runs included (default ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--fill-threads", defaultValue = "64", description = "concurrent Creates while filling (default "
            + "${DEFAULT-VALUE})")
    int fillThreads;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds of Locate (default "
            + "${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--connections", defaultValue = "16", description = "KMIP connections of the Locate run "
            + "(default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--locate-keys", defaultValue = "1000", description = "named keys kmip-bench makes (in the "
            + "same adapter) and Locates at random (default ${DEFAULT-VALUE})")
    int locateKeys;

    @Option(names = "--rate", defaultValue = "0", description = "Locates per second, open loop (latency without "
            + "queueing behind a saturated server); 0, the default: closed loop, as fast as answered")
    int rate;

    @Option(names = "--json", description = "print kmip-bench's JSON object for the Locate run")
    boolean json;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocateAtScale()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (keys < 0 || fillThreads < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--keys at least 0, --fill-threads at "
                    + "least 1");
        }
        ApplianceConfig config = ApplianceConfig.defaults().withListeners("127.0.0.1", 0, 0);
        try (Appliance appliance = Appliance.start(config, state)) {
            KeyCustody custody = appliance.custody();
            Path files = PrivateFiles.directory(state.resolve("locate-at-scale"));
            KmipCaller caller = adapterClient(custody, files);
            long present = custody.objects().locate(caller, new LocateQuery(null, null, null, null, null, null, null,
                    null, Map.of(), List.of(), LocateQuery.Storage.ON_LINE, 1, 0)).total();
            fill(custody, caller, present);
            List<String> bench = new ArrayList<>(List.of("--op", "locate", "--port",
                    Integer.toString(appliance.kmipPort()), "--cert", files.resolve("client.pem").toString(), "--key",
                    files.resolve("client-key.pem").toString(), "--ca", appliance.caCertificateFile().toString(),
                    "--connections", Integer.toString(connections), "--seconds", Integer.toString(seconds),
                    "--keys", Integer.toString(locateKeys)));
            if (rate > 0) {
                bench.addAll(List.of("--rate", Integer.toString(rate)));
            }
            if (json) {
                bench.add("--json");
            }
            return new CommandLine(new KmipBench()).execute(bench.toArray(String[]::new));
        }
    }

    /**
     * The client of the adapter this tool fills, made on its first run in this state directory (its certificate
     * and key then kept in {@code files}), found again on the next.
     */
    private static KmipCaller adapterClient(KeyCustody custody, Path files) {
        Path certificate = files.resolve("client.pem");
        Path key = files.resolve("client-key.pem");
        if (!Files.exists(certificate)) {
            Instance instance = custody.access().createInstance(NAME, FILLER);
            RootKey rootKey = custody.rootKeys().create(instance.id(), NAME + "-root", null, FILLER);
            KmipAdapter adapter = custody.adapters().create(instance.id(), NAME, null, KmipAdapter.NATIVE_PROFILE,
                    rootKey.id().toString(), FILLER);
            CertificateAuthority.Issued client = CertificateAuthority.create(NAME + " clients", Duration.ofDays(30))
                    .issueClient(NAME, Duration.ofDays(30));
            custody.certificates().add(instance.id(), adapter.name(), null,
                    PemCertificates.toPem(client.certificate()), FILLER);
            PemFiles.writeCertificate(certificate, client.certificate());
            PemFiles.writePrivateKey(key, client.privateKey());
        }
        return custody.certificates().identify(PemCertificates.sha256Fingerprint(
                PemFiles.readCertificate(certificate))).orElseThrow();
    }

    /**
     * Fills the adapter up to {@code keys} AES-256 keys, named fill-N after the {@code present} ones, from
     * {@link #fillThreads} threads; progress on stderr.
     */
    private void fill(KeyCustody custody, KmipCaller caller, long present) throws Exception {
        AtomicLong next = new AtomicLong(present);
        long started = System.nanoTime();
        List<Future<?>> fillers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < fillThreads; t++) {
                fillers.add(threads.submit(() -> {
                    for (long i = next.getAndIncrement(); i < keys; i = next.getAndIncrement()) {
                        ObjectAttribute name = new ObjectAttribute("Name", 0, Workload.nameAttributeValue("fill-" + i),
                                "fill-" + i);
                        custody.objects().createSymmetricKey(caller, new NewSymmetricKey(KmipObjects.AES, 256,
                                Workload.USAGE_ENCRYPT_DECRYPT, null, null, List.of(name)));
                        if ((i + 1) % 50_000 == 0) {
                            System.err.printf(Locale.ROOT, "locate-at-scale: %,d keys, %.0f/s%n", i + 1,
                                    (i + 1 - present) / ((System.nanoTime() - started) / 1e9));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> filler : fillers) {
                filler.get();
            }
        }
        System.err.printf(Locale.ROOT, "locate-at-scale: %,d keys (%,d made now, in %.0f s)%n",
                Math.max(keys, present), Math.max(0, keys - present), (System.nanoTime() - started) / 1e9);
    }
}
