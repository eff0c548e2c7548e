package org.kmipappliance.appliance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;

/**
 * The appliance as its own process ({@code serve}), on a state directory with a SoftHSM2 token of its own, as its
 * service manager runs it: a test can kill it (SIGKILL), stop it, start it again on the same state, and read what
 * it printed.
 */
final class ApplianceProcess implements AutoCloseable {
    private static final Pattern STARTED = Pattern.compile("KMIP on [^ ]+:(\\d+), REST on https://[^ ]+:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final int KEPT_LINES = 300;

    /** The first start's Manager token, from the file an empty appliance writes. */
    record Admin(String instance, String token) {
    }

    private final Process process;
    private final Path state;
    private final Deque<String> output = new ArrayDeque<>();
    private int kmipPort;
    private int restPort;

    private ApplianceProcess(Process process, Path state) {
        this.process = process;
        this.state = state;
    }

    /**
     * A configuration with both listeners on free loopback ports and no root-key timing rules, plus {@code extra}.
     * It names only settings every build since the upgrade test's oldest knows (that test starts an older build on
     * it); {@link #withPurgeAtOnce} adds a newer one.
     */
    static Path writeConfig(Path state, String extra) throws IOException {
        Files.createDirectories(state);
        Path config = state.resolveSibling(state.getFileName() + ".yaml");
        Files.writeString(config, """
                kmip: {host: 127.0.0.1, port: 0}
                rest: {host: 127.0.0.1, port: 0}
                root-keys: {rotation-interval-minutes: 0, enable-delay-seconds: 0}
                """ + extra);
        return config;
    }

    /** The configuration {@code config} with deleted root keys purgeable at once (root-keys.purge-delay-minutes). */
    static Path withPurgeAtOnce(Path config) throws IOException {
        Files.writeString(config, Files.readString(config).replace("enable-delay-seconds: 0}",
                "enable-delay-seconds: 0, purge-delay-minutes: 0}"));
        return config;
    }

    /** Launches {@code serve} without waiting for it; {@code environment} is added to the process's. */
    static ApplianceProcess launch(Path state, Path config, Map<String, String> environment) throws IOException {
        Map<String, String> withToken = new HashMap<>(Map.of("SOFTHSM2_CONF",
                SoftHsmToken.configFile(state.resolve("softhsm")).toString()));
        withToken.putAll(environment);
        return launch(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()), state, config, withToken);
    }

    /**
     * Launches {@code serve} through {@code launcher} (java and its arguments up to the main class, or an installed
     * kmip-appliance command) without waiting for it.
     */
    static ApplianceProcess launch(List<String> launcher, Path state, Path config, Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("serve", "--state-dir", state.toString(), "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // The test JVM's own token configuration is not the appliance's: a launcher sets it from --state-dir.
        builder.environment().remove("SOFTHSM2_CONF");
        builder.environment().putAll(environment);
        ApplianceProcess appliance = new ApplianceProcess(builder.start(), state);
        appliance.readOutput();
        return appliance;
    }

    /** What a command printed (standard output and error together) and its exit status. */
    record Finished(int status, String output) {
    }

    /**
     * Runs a kmip-appliance command other than {@code serve} in a JVM of its own, with the SoftHSM2 configuration
     * of {@code state} as the launcher would set it, and waits for it.
     */
    static Finished run(Path state, List<String> arguments) throws Exception {
        return run(state, Main.class, arguments);
    }

    /** The same for another program of the distribution ({@code main}'s main method), such as a benchmark. */
    static Finished run(Path state, Class<?> main, List<String> arguments) throws Exception {
        return run(state, main, arguments, Map.of());
    }

    /** The same with more in its environment. */
    static Finished run(Path state, Class<?> main, List<String> arguments, Map<String, String> environment)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmToken.configFile(state.resolve("softhsm")).toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read its output: " + e.getMessage() + ")";
            }
        });
        if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(arguments + " did not end within " + START_TIMEOUT + ":\n"
                    + output.getNow(""));
        }
        return new Finished(process.exitValue(), output.get(30, TimeUnit.SECONDS));
    }

    /** Starts {@code serve} and waits until both listeners are up. */
    static ApplianceProcess start(Path state, Path config) throws Exception {
        return start(state, config, Map.of());
    }

    static ApplianceProcess start(Path state, Path config, Map<String, String> environment) throws Exception {
        ApplianceProcess appliance = launch(state, config, environment);
        appliance.awaitStarted();
        return appliance;
    }

    /** Starts {@code serve} through {@code launcher} and waits until both listeners are up. */
    static ApplianceProcess start(List<String> launcher, Path state, Path config) throws Exception {
        return start(launcher, state, config, Map.of());
    }

    /** The same, with {@code environment} added to the process's. */
    static ApplianceProcess start(List<String> launcher, Path state, Path config, Map<String, String> environment)
            throws Exception {
        ApplianceProcess appliance = launch(launcher, state, config, environment);
        appliance.awaitStarted();
        return appliance;
    }

    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<Void> outputEnded = new CompletableFuture<>();

    private void readOutput() {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        Thread.ofVirtual().start(() -> {
            try {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    synchronized (output) {
                        output.addLast(line);
                        if (output.size() > KEPT_LINES) {
                            output.removeFirst();
                        }
                    }
                    Matcher listening = STARTED.matcher(line);
                    if (listening.find()) {
                        kmipPort = Integer.parseInt(listening.group(1));
                        restPort = Integer.parseInt(listening.group(2));
                        started.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process is gone; what it said is kept
            }
            outputEnded.complete(null);
            started.completeExceptionally(new IllegalStateException("the appliance ended before it started:\n"
                    + output()));
        });
    }

    private void awaitStarted() throws Exception {
        try {
            started.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("the appliance did not start:\n" + output(), e);
        }
    }

    int kmipPort() {
        return kmipPort;
    }

    int restPort() {
        return restPort;
    }

    long pid() {
        return process.pid();
    }

    Path state() {
        return state;
    }

    Process process() {
        return process;
    }

    /** Waits until the process has exited and everything it printed is read. */
    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the appliance did not exit within " + timeout + ":\n" + output());
        }
        outputEnded.get(30, TimeUnit.SECONDS);
        return process.exitValue();
    }

    /** The last lines the appliance printed. */
    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** The Manager token of the first start. */
    Admin admin() throws Exception {
        Path file = state.resolve(InitialAdmin.TOKEN_FILE);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(Files.exists(file) && Files.readAllLines(file).size() == 2) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<String> lines = Files.readAllLines(file);
        return new Admin(lines.get(0).substring("instance ".length()), lines.get(1).substring("token ".length()));
    }

    /** SIGKILL, as a power cut or the OOM killer would end it, and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the appliance survived SIGKILL");
        }
    }

    /** Stops it as its service manager would (SIGTERM) and waits. */
    @Override
    public void close() throws Exception {
        // Through the handle: Process.destroy() would also close our end of its output, losing its last lines.
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        outputEnded.get(30, TimeUnit.SECONDS);
    }
}
