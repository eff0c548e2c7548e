package org.kmipappliance.hsm.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The programs the appliance runs (PostgreSQL, softhsm2-util, pkcs11-tool). Each gets a minimal environment of its
 * own, never the appliance's: that may hold the HSM PIN (hsm.pin-env), and /proc/PID/environ of a child is one more
 * place it could be read from.
 */
public final class ChildProcesses {
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ChildProcesses() {
    }

    /** What a finished program printed (stdout and stderr together) and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /**
     * A process builder for {@code command} whose environment is PATH, a C locale and UTC, plus {@code extra}
     * (for example SOFTHSM2_CONF for SoftHSM2's tools).
     */
    public static ProcessBuilder builder(List<String> command, Map<String, String> extra) {
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        String path = environment.getOrDefault("PATH", DEFAULT_PATH);
        environment.clear();
        environment.put("PATH", path);
        environment.put("LC_ALL", "C");
        environment.put("TZ", "UTC");
        environment.putAll(extra);
        return builder;
    }

    /**
     * Runs {@code builder} to its end, feeding it {@code input} (may be null), and returns what it printed. A
     * program still running after {@code timeout} is killed and reported.
     */
    public static Result run(ProcessBuilder builder, String input, Duration timeout) {
        builder.redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + builder.command().getFirst() + ": " + e.getMessage(), e);
        }
        try {
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            // Read on another thread: a chatty program must not block on a full pipe while we wait for it.
            StringBuilder printed = new StringBuilder();
            Thread output = Thread.ofVirtual().start(() -> {
                try {
                    printed.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    printed.append("(output unreadable: ").append(e.getMessage()).append(')');
                }
            });
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(builder.command().getFirst() + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            // join() orders the reader's writes before this read.
            output.join(Duration.ofSeconds(5));
            return new Result(process.exitValue(), printed.toString());
        } catch (IOException e) {
            process.destroyForcibly();
            throw new UncheckedIOException("cannot talk to " + builder.command().getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + builder.command().getFirst(), e);
        }
    }

    /** Whether {@code program} is an executable in one of PATH's directories. */
    public static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", DEFAULT_PATH);
        for (String directory : path.split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }

    /** Whether this process runs as root (uid 0), the owner of /proc/self. */
    public static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell which user this process runs as: " + e.getMessage(), e);
        }
    }
}
