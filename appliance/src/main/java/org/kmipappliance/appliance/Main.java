package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.LogManager;
import org.kmipappliance.hsm.pkcs11.HsmUnavailableException;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.system.ListenerProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The kmip-appliance command: {@code demo}, {@code serve}, {@code init}, {@code await-ready}, {@code backup},
 * {@code restore}, {@code check-config} and {@code example-config}.
 */
@Command(name = "kmip-appliance", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "HSM-backed KMIP key manager with a Key Protect-compatible REST API.",
        subcommands = {Main.DemoCommand.class, Main.ServeCommand.class, Main.InitCommand.class,
                Main.AwaitReadyCommand.class, Main.BackupCommand.class, Main.RestoreCommand.class,
                Main.CheckConfigCommand.class, Main.ExampleConfigCommand.class})
public final class Main implements Runnable {
    /** The configuration (or the command line) is wrong: fix it; a service manager should not retry. */
    static final int EXIT_CONFIGURATION = 2;

    static {
        // Before the first logger exists: a log manager that keeps its handlers for the lines written while
        // stopping. A manager named on the command line wins.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", LogLines.Manager.class.getName());
        }
        // Before the first TLS context: a client may not renegotiate a TLS 1.2 session (a handshake per request at
        // the client's will costs us a signature each time; TLS 1.3 has no renegotiation at all).
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    }

    public static void main(String[] args) {
        configureLogging();
        int status = 1;
        try {
            status = run(args, System.out, System.err);
        } catch (Error e) {
            // A broken installation (a missing class): say so and exit, rather than leave the listeners' threads
            // holding the JVM open after main has ended.
            System.err.println("kmip-appliance: " + e + "; reinstall the kmip-appliance package");
        } finally {
            System.exit(status);
        }
    }

    /** Runs the command and returns its exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return new CommandLine(new Main())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((error, commandLine, parseResult) -> {
                    // Start-up failures are the operator's to fix: say what failed and why, not a stack trace.
                    if (error instanceof ConfigurationException configuration) {
                        configuration.problems().forEach(problem -> commandLine.getErr()
                                .println("kmip-appliance: " + problem));
                        return EXIT_CONFIGURATION;
                    }
                    commandLine.getErr().println("kmip-appliance: " + describe(error));
                    // An HSM that is not there yet may come back: ask the service manager to try again.
                    return error instanceof HsmUnavailableException ? Watchdog.EXIT_RESTART : 1;
                })
                .execute(args);
    }

    private static String describe(Throwable error) {
        StringBuilder message = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause();
             cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().toLowerCase(Locale.ROOT)
                    .contains(cause.getMessage().toLowerCase(Locale.ROOT))) {
                message.append("\n  caused by: ").append(cause.getMessage());
            }
        }
        return message.toString();
    }

    @Spec
    CommandSpec spec;

    /** Without a command: what the commands are. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The packaged logging configuration, unless the operator named another with -Djava.util.logging.config.file. */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (var config = Main.class.getResourceAsStream("/logging.properties")) {
            if (config != null) {
                LogManager.getLogManager().readConfiguration(config);
            }
        } catch (IOException e) {
            System.err.println("cannot read the packaged logging configuration: " + e.getMessage());
        }
    }

    /** Options both commands share. */
    static class Common {
        @Option(names = "--state-dir", description = "where the HSM token, database and certificates live "
                + "(default: $KMIP_APPLIANCE_STATE_DIR)")
        Path stateDirectory;

        @Option(names = "--config", description = "YAML configuration file (all keys optional)")
        Path config;

        /** The state directory, the service's (/var/lib/kmip-appliance) unless one is named. */
        Path stateDirectory() {
            return stateDirectory(Path.of("/var/lib/kmip-appliance"));
        }

        Path stateDirectory(Path fallback) {
            if (stateDirectory != null) {
                return stateDirectory.toAbsolutePath();
            }
            String fromEnvironment = System.getenv("KMIP_APPLIANCE_STATE_DIR");
            return (fromEnvironment != null ? Path.of(fromEnvironment) : fallback).toAbsolutePath();
        }

        /** The configuration, checked as a whole; the log format it names applies from here on. */
        ApplianceConfig config() {
            ApplianceConfig checked = config == null ? ApplianceConfig.defaults() : ApplianceConfig.load(config);
            if (checked.log().json()) {
                LogLines.useJson();
            }
            return checked;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Start the appliance on embedded defaults with demo data, print how to use it, and serve "
                    + "until Ctrl-C. A second run reuses the state.")
    static final class DemoCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
        String host;

        @Override
        public Integer call() throws InterruptedException {
            long started = System.nanoTime();
            ApplianceConfig config = common.config();
            ApplianceConfig listening = config.withListeners(host, config.kmip().port(), config.rest().port());
            Lifetime lifetime = Lifetime.begin(() -> {
                Appliance appliance = Appliance.start(listening, common.stateDirectory(Path.of("var", "demo")));
                restartWhenBroken(appliance, listening);
                return appliance;
            });
            lifetime.checkCertificatesOnHangup();
            Demo.Setup setup = Demo.prepare(lifetime.appliance(), host);
            printWelcome(System.out, lifetime.appliance(), setup, host, (System.nanoTime() - started) / 1_000_000);
            lifetime.awaitStop();
            return 0;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the appliance on its configuration until stopped.")
    static final class ServeCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() throws InterruptedException {
            ApplianceConfig config = common.config();
            // The first instance is part of the start, so a stop that arrives meanwhile waits for it.
            Lifetime lifetime = Lifetime.begin(() -> {
                Appliance appliance = Appliance.start(config,
                        common.stateDirectory());
                restartWhenBroken(appliance, config);
                InitialAdmin.ensure(appliance.custody(), appliance.stateDirectory());
                return appliance;
            });
            lifetime.checkCertificatesOnHangup();
            lifetime.awaitStop();
            return 0;
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Prepare the state directory: open the HSM, create or migrate the database schema, create "
                    + "the first instance and its Manager API token (written once to "
                    + "<state>/initial-admin-api-token), make the certificates, then say what to do next. Safe to "
                    + "run again; serve does the same on its first start.")
    static final class InitCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ApplianceConfig config = common.config();
            Path state = common.stateDirectory();
            // Everything a start makes, with the listeners on loopback ports of their own for the moment.
            Optional<Path> token;
            try (Appliance appliance = Appliance.start(config.withListeners("127.0.0.1", 0, 0), state)) {
                token = InitialAdmin.ensure(appliance.custody(), state);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("kmip-appliance: " + state + " is ready: the HSM answers, the database schema is current, "
                    + "the certificates are in " + state.resolve("pki") + ".");
            out.println(token.map(file -> "  The first instance's Manager API token is in " + file + ": read it, "
                    + "then delete the file.").orElse("  The first instance and its token were made earlier."));
            out.println("  Next: systemctl enable --now kmip-appliance (or kmip-appliance serve), then create a "
                    + "root key and a KMIP adapter (docs/api.md).");
            return 0;
        }
    }

    @Command(name = "await-ready", mixinStandardHelpOptions = true,
            description = "Wait until both listeners of the configuration accept connections (the service's start "
                    + "is done); exit status 1 if they do not within the timeout.")
    static final class AwaitReadyCommand implements Callable<Integer> {
        @Option(names = "--config", description = "YAML configuration file (all keys optional)")
        Path config;

        @Option(names = "--timeout", defaultValue = "170", description = "seconds to wait (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            ApplianceConfig checked = config == null ? ApplianceConfig.defaults() : ApplianceConfig.load(config);
            List<ApplianceConfig.Listener> listeners = List.of(checked.kmip(), checked.rest());
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            List<ApplianceConfig.Listener> waiting = listeners;
            while (true) {
                waiting = waiting.stream().filter(listener -> !ListenerProbe.accepts(listener.host(), listener.port())).toList();
                if (waiting.isEmpty()) {
                    spec.commandLine().getOut().println("kmip-appliance: ready: KMIP on " + checked.kmip().host()
                            + ":" + checked.kmip().port() + ", REST on " + checked.rest().host() + ":"
                            + checked.rest().port());
                    return 0;
                }
                if (System.nanoTime() > deadline) {
                    spec.commandLine().getErr().println("kmip-appliance: not ready after " + timeoutSeconds + " s: "
                            + waiting.stream().map(listener -> listener.host() + ":" + listener.port())
                            .toList() + " accept no connection; see journalctl -u kmip-appliance");
                    return 1;
                }
                Thread.sleep(250);
            }
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Write a consistent backup of the appliance, running or stopped, to one archive (0600): "
                    + "the database, the embedded HSM token's files and the certificates. The token's user PIN is "
                    + "not in it: keep a copy of <state>/softhsm/user-pin apart from the archives; restore asks "
                    + "for it.")
    static final class BackupCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Option(names = "--out", required = true, description = "the archive to write (a .tar.gz)")
        Path archive;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Path state = common.stateDirectory();
            Backup.Summary summary = Backup.write(common.config(), state, archive);
            PrintWriter out = spec.commandLine().getOut();
            long rows = summary.manifest().tables().stream().mapToLong(BackupArchive.TableRows::rows).sum();
            out.println("kmip-appliance: wrote " + summary.archive() + " (" + Files.size(summary.archive())
                    + " bytes): " + rows + " rows of " + summary.manifest().tables().size() + " tables at schema "
                    + summary.manifest().schemaVersion() + (summary.attempts() > 1 ? ", taken again "
                    + (summary.attempts() - 1) + " time(s) because root keys changed meanwhile" : "") + ".");
            out.println(summary.manifest().hasToken()
                    ? "  It holds the HSM token's files, encrypted under the token's user PIN, which it leaves out: "
                            + "keep " + SoftHsmToken.userPinFile(state.resolve("softhsm")) + " apart from it."
                    : "  The HSM is " + summary.manifest().token().replace("not included: ", "not in it: ") + ".");
            out.println("  A backup outlives crypto-shredding: destroy the archives taken before a root key was "
                    + "deleted, or its keys come back with them (docs/packaging.md).");
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Bring a backup into a new state directory (the database, the HSM token and the "
                    + "certificates), or with --database-only load its database beside the HSM token that is "
                    + "there. Root-key versions the HSM no longer holds stay destroyed.")
    static final class RestoreCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Option(names = "--archive", required = true, description = "the archive kmip-appliance backup wrote")
        Path archive;

        @Option(names = "--token-pin-file", description = "the file with the backed-up token's user PIN (a copy of "
                + "the old appliance's softhsm/user-pin)")
        Path tokenPinFile;

        @Option(names = "--database-only", description = "load the database only, beside the HSM token already in "
                + "the state directory (or the hsm.library of the configuration)")
        boolean databaseOnly;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Path state = common.stateDirectory();
            Restore.Report report = Restore.run(common.config(), state, archive, tokenPinFile, databaseOnly);
            PrintWriter out = spec.commandLine().getOut();
            BackupArchive.Manifest manifest = report.manifest();
            out.println("kmip-appliance: restored " + archive + " (taken " + manifest.createdAt() + " by version "
                    + manifest.applianceVersion() + ", commit " + manifest.commit() + ") into " + state + ": "
                    + rows(manifest, "root_keys") + " root key(s), " + rows(manifest, "kmip_adapters")
                    + " KMIP adapter(s), " + rows(manifest, "kmip_objects") + " KMIP object(s); the appliance "
                    + "started on it once (HSM, PIN and schema checked).");
            report.shredded().forEach(gone -> out.println("  root key " + gone.rootKeyId() + " (" + gone.rootKeyName()
                    + ") version " + gone.version() + " is not on the HSM any more (destroyed after the backup): "
                    + gone.sealedObjects() + " KMIP key(s) sealed under it stay unopenable"
                    + (gone.current() ? "; the root key is recorded as deleted" : "")));
            out.println("  Next: if you ran this as root for the service, chown -R kmip-appliance: " + state
                    + "; then start the appliance (systemctl start kmip-appliance, or kmip-appliance serve).");
            return 0;
        }

        private static long rows(BackupArchive.Manifest manifest, String table) {
            return manifest.tables().stream().filter(rows -> rows.name().equals(table))
                    .mapToLong(BackupArchive.TableRows::rows).sum();
        }
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = "Check a configuration file as a start would, and say what is wrong in it, one line per "
                    + "problem; exit status 0 when it is sound, 2 when not.")
    static final class CheckConfigCommand implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "the YAML configuration file")
        Path config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ApplianceConfig.load(config);
            spec.commandLine().getOut().println("kmip-appliance: " + config + " is sound");
            return 0;
        }
    }

    @Command(name = "example-config", mixinStandardHelpOptions = true,
            description = "Print a configuration file with every key commented out, at its default, and what it "
                    + "is for.")
    static final class ExampleConfigCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(Settings.example());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /**
     * Exits with status 75 after a long HSM outage, or when a listener has stopped accepting, so the service
     * manager restarts the appliance.
     */
    private static void restartWhenBroken(Appliance appliance, ApplianceConfig config) {
        appliance.watchHsm(Duration.ofSeconds(config.hsm().restartAfterSeconds()),
                () -> System.exit(Watchdog.EXIT_RESTART));
        appliance.watchListeners(() -> System.exit(Watchdog.EXIT_RESTART));
    }

    static void printWelcome(PrintStream out, Appliance appliance, Demo.Setup setup, String host, long millis) {
        String rest = "https://" + host + ":" + appliance.restPort();
        out.printf("""

                KMIP appliance demo is running (started in %d ms). State: %s

                  KMIP (mutual TLS):  %s:%d      CA certificate: %s
                  REST (HTTPS):       %s
                  Web console:        %s/ui/ (sign in with the token and instance id below; the browser must
                                      trust the CA certificate above, or be told to proceed)
                  Instance id:        %s
                  Admin API token:    %s
                  KMIP adapter:       %s (client certificate and key in %s)

                Create an AES-256 key over KMIP with PyKMIP (Debian python3-pykmip) and fetch it back:
                  /usr/bin/python3 %s

                List the adapter's KMIP objects over REST:
                  curl --cacert %s -H 'authorization: Bearer %s' -H 'bluemix-instance: %s' %s/api/v2/kmip_adapters/%s/kmip_objects

                Or with kmipctl (appliance/bin/kmipctl in a source checkout; docs/kmipctl.md):
                  kmipctl login --url %s --cacert %s --instance %s --token-file %s
                  kmipctl objects %s

                Press Ctrl-C to stop.
                """, millis, appliance.stateDirectory(), host, appliance.kmipPort(), appliance.caCertificateFile(), rest,
                rest, setup.instance().id(), setup.apiToken(), setup.adapter().name(), setup.directory(),
                setup.script(),
                appliance.caCertificateFile(), setup.apiToken(), setup.instance().id(), rest, setup.adapter().name(),
                rest, appliance.caCertificateFile(), setup.instance().id(), setup.directory().resolve(
                        Demo.API_TOKEN_FILE), setup.adapter().name());
        out.flush();
    }
}
