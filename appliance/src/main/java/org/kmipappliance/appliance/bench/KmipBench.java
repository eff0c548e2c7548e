package org.kmipappliance.appliance.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * kmip-bench: drives any KMIP server over mutual TLS with many connections, each on a virtual thread, and prints
 * throughput and latency percentiles (HdrHistogram). Closed loop by default (each connection sends its next
 * request when the last is answered); with --rate an open loop, where latency counts from when a request should
 * have been sent, so a stalled server cannot hide its stall (no coordinated omission).
 */
@Command(name = "kmip-bench", mixinStandardHelpOptions = true,
        description = "Measure a KMIP server: ops/s and latency percentiles over many mutual-TLS connections.")
public final class KmipBench implements Callable<Integer> {
    private static final long HIGHEST_LATENCY_NANOS = Duration.ofMinutes(1).toNanos();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "server address (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "5696", description = "server port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--cert", required = true, description = "the client certificate (PEM)")
    Path certificate;

    @Option(names = "--key", required = true, description = "the client certificate's private key (PEM)")
    Path key;

    @Option(names = "--ca", required = true, description = "the CA certificate that signed the server's (PEM)")
    Path ca;

    @Option(names = "--no-hostname-check", description = "accept a server certificate that does not name --host")
    boolean noHostnameCheck;

    @Option(names = "--op", defaultValue = "get",
            description = "create, get, getattr, locate, discover (Discover Versions: the floor every request "
                    + "stands on), mixed (1 create : 4 get : 4 getattr) or vcenter (the life of a key vCenter runs: "
                    + "8 requests) (default ${DEFAULT-VALUE})")
    String operation;

    @Option(names = "--connections", defaultValue = "16", description = "connections, each on a virtual thread "
            + "(default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "seconds run before measuring (default "
            + "${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--rate", defaultValue = "0", description = "open loop: operations per second in all (0: "
            + "closed loop)")
    double rate;

    @Option(names = "--keys", defaultValue = "1000", description = "keys made before the run for get, getattr, "
            + "locate and mixed (default ${DEFAULT-VALUE})")
    int keyCount;

    @Option(names = "--new-connection-per-op", description = "a new TLS connection (full handshake) for every "
            + "operation, timed with it")
    boolean newConnectionPerOperation;

    @Option(names = "--protocol", defaultValue = "1.4", description = "KMIP version of the requests (1.0 to 1.4; "
            + "default ${DEFAULT-VALUE})")
    String protocol;

    @Option(names = "--json", description = "print the result as one JSON object instead of a table")
    boolean json;

    @Option(names = "--chart", description = "write an SVG chart of throughput and p99 latency per second")
    Path chart;

    @Option(names = "--cpu-of", description = "NAME=PID: also report the CPU time per operation, during the measured "
            + "seconds, of process PID and its descendants (those of another --cpu-of aside); repeatable. The "
            + "client's own is always reported.")
    Map<String, Long> cpuOf = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new KmipBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Workload workload = Workload.of(operation);
        if (connections < 1 || seconds < 1 || warmupSeconds < 0 || rate < 0 || keyCount < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--connections, --seconds and --keys are "
                    + "at least 1; --warmup and --rate at least 0");
        }
        SSLContext tls = TlsContexts.create(new CertificateAuthority.Issued(PemFiles.readCertificate(certificate),
                PemFiles.readPrivateKey(key)), PemFiles.readCertificate(ca));
        ProtocolVersion version = ProtocolVersion.parse(protocol);
        Workload.Keys keys = workload.needsKeys() ? makeKeys(tls, version) : Workload.Keys.NONE;

        Recorder recorder = new Recorder(HIGHEST_LATENCY_NANOS, 3);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentHashMap<String, Long> errorKinds = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long measureFrom = start + Duration.ofSeconds(warmupSeconds).toNanos();
        long end = measureFrom + Duration.ofSeconds(seconds).toNanos();
        double perConnectionRate = rate / connections;
        CountDownLatch done = new CountDownLatch(connections);
        for (int c = 0; c < connections; c++) {
            long offset = perConnectionRate > 0 ? (long) (1e9 / rate * c) : 0;
            Thread.ofVirtual().name("kmip-bench-", c).start(() -> {
                try {
                    drive(tls, version, workload, keys, start + offset, measureFrom, end, perConnectionRate,
                            recorder, requests, errors, errorKinds);
                } finally {
                    done.countDown();
                }
            });
        }
        Histogram overall = new Histogram(HIGHEST_LATENCY_NANOS, 3);
        List<Sample> samples = new ArrayList<>();
        Histogram interval = null;
        long nextSample = measureFrom;
        CpuTimes cpuAtStart = null;
        while (!done.await(Math.max(1, (Math.min(nextSample, end) - System.nanoTime()) / 1_000_000),
                TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            if (cpuAtStart == null && now >= measureFrom) {
                cpuAtStart = CpuTimes.of(cpuOf);
            }
            if (now >= nextSample && now < end + Duration.ofSeconds(1).toNanos()) {
                interval = recorder.getIntervalHistogram(interval);
                if (now > measureFrom) {
                    overall.add(interval);
                    samples.add(new Sample((now - measureFrom) / 1e9, interval.getTotalCount(),
                            interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1e6));
                }
                nextSample = now + Duration.ofSeconds(1).toNanos();
            }
        }
        overall.add(recorder.getIntervalHistogram());
        Map<String, Double> cpuMillisPerOperation = cpuAtStart == null ? Map.of()
                : CpuTimes.of(cpuOf).millisPerOperationSince(cpuAtStart, overall.getTotalCount());
        Result result = new Result(workload.option(), connections, rate > 0 ? "open loop at " + rate + "/s"
                : "closed loop", newConnectionPerOperation, seconds, overall, requests.get(), errors.get(),
                Collections.unmodifiableMap(errorKinds), cpuMillisPerOperation);
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? result.json() : result.table());
        out.flush();
        if (chart != null) {
            Files.writeString(chart, Charts.throughputAndLatency(workload.option() + ", " + connections
                    + " connections", samples));
        }
        return errors.get() == 0 ? 0 : 1;
    }

    /** One connection's loop until {@code end}; only operations that start after {@code measureFrom} count. */
    private void drive(SSLContext tls, ProtocolVersion version, Workload workload, Workload.Keys keys, long firstStart,
                       long measureFrom, long end, double perConnectionRate, Recorder recorder, AtomicLong requests,
                       AtomicLong errors, ConcurrentHashMap<String, Long> errorKinds) {
        long intervalNanos = perConnectionRate > 0 ? (long) (1e9 / perConnectionRate) : 0;
        long intended = firstStart;
        KmipClient client = null;
        try {
            while (true) {
                if (intervalNanos > 0) {
                    long wait = intended - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                long started = intervalNanos > 0 ? intended : System.nanoTime();
                if (started >= end) {
                    return;
                }
                try {
                    if (client == null) {
                        client = connect(tls, version);
                    }
                    int sent = workload.run(client, keys);
                    if (newConnectionPerOperation) {
                        client.close();
                        client = null;
                    }
                    long finished = System.nanoTime();
                    if (started >= measureFrom && finished <= end) {
                        recorder.recordValue(Math.min(finished - started, HIGHEST_LATENCY_NANOS));
                        requests.addAndGet(sent);
                    }
                } catch (Exception e) {
                    if (System.nanoTime() < end) {
                        errors.incrementAndGet();
                        errorKinds.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1L, Long::sum);
                    }
                    closeQuietly(client);
                    client = null;
                }
                intended += intervalNanos;
            }
        } finally {
            closeQuietly(client);
        }
    }

    private KmipClient connect(SSLContext tls, ProtocolVersion version) throws IOException {
        return KmipClient.connect(tls, host, port, version, Duration.ofSeconds(30), !noHostnameCheck);
    }

    /** The keys the read workloads use, made over a few connections before the clock starts. */
    private Workload.Keys makeKeys(SSLContext tls, ProtocolVersion version) throws Exception {
        String namePrefix = "kmip-bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";
        String[] made = new String[keyCount];
        int makers = Math.min(8, connections);
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        for (int m = 0; m < makers; m++) {
            int first = m;
            threads.add(Thread.ofVirtual().start(() -> {
                try (KmipClient client = connect(tls, version)) {
                    for (int i = first; i < keyCount; i += makers) {
                        made[i] = Workload.createNamedKey(client, namePrefix + i);
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            throw new IOException("could not make the " + keyCount + " keys the run uses: " + failures.getFirst()
                    .getMessage(), failures.getFirst());
        }
        return new Workload.Keys(List.of(made), namePrefix);
    }

    private static void closeQuietly(KmipClient client) {
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                // the connection is gone either way
            }
        }
    }

    /** Throughput and p99 of one second of the run. */
    record Sample(double second, long operations, double p99Millis) {
    }

    /** What a run measured. */
    record Result(String operation, int connections, String mode, boolean newConnectionPerOperation, int seconds,
                  Histogram latencies, long requests, long errors, Map<String, Long> errorKinds,
                  Map<String, Double> cpuMillisPerOperation) {
        double operationsPerSecond() {
            return latencies.getTotalCount() / (double) seconds;
        }

        private double millis(double percentile) {
            return latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(percentile) / 1e6;
        }

        String table() {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                    "%-8s %5s %-22s %10s %10s %9s %9s %9s %9s %9s %7s%n", "op", "conns", "mode", "ops/s",
                    "requests/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors"));
            text.append(String.format(Locale.ROOT, "%-8s %5d %-22s %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f %9.2f %7d",
                    operation, connections, mode + (newConnectionPerOperation ? ", new conn/op" : ""),
                    operationsPerSecond(), requests / (double) seconds, millis(50), millis(90), millis(99),
                    millis(99.9), latencies.getMaxValue() / 1e6, errors));
            if (!cpuMillisPerOperation.isEmpty()) {
                text.append("\n  CPU per operation:");
                cpuMillisPerOperation.forEach((name, millis) -> text.append(String.format(Locale.ROOT, " %s %.3f ms",
                        name, millis)));
            }
            errorKinds.forEach((kind, count) -> text.append(String.format("%n  %d x %s", count, kind)));
            return text.toString();
        }

        String json() {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "{\"op\":\"%s\",\"connections\":%d,"
                            + "\"mode\":\"%s\",\"new_connection_per_op\":%b,\"seconds\":%d,\"operations\":%d,"
                            + "\"ops_per_second\":%.1f,\"requests_per_second\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
                            + "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%d", operation,
                    connections, mode, newConnectionPerOperation, seconds, latencies.getTotalCount(),
                    operationsPerSecond(), requests / (double) seconds, millis(50), millis(90), millis(99),
                    millis(99.9), latencies.getMaxValue() / 1e6, errors));
            text.append(",\"cpu_ms_per_op\":{");
            text.append(String.join(",", cpuMillisPerOperation.entrySet().stream().map(entry -> String.format(
                    Locale.ROOT, "\"%s\":%.4f", entry.getKey().replace("\"", ""), entry.getValue())).toList()));
            return text.append("}}").toString();
        }
    }
}
