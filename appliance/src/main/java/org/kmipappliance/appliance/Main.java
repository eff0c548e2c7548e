package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.LogManager;
import org.kmipappliance.hsm.pkcs11.HsmUnavailableException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The kmip-appliance command: {@code demo} and {@code serve}. */
@Command(name = "kmip-appliance", mixinStandardHelpOptions = true,
        description = "HSM-backed KMIP key manager with a Key Protect-compatible REST API.",
        subcommands = {Main.DemoCommand.class, Main.ServeCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        configureLogging();
        System.exit(new CommandLine(new Main())
                .setExecutionExceptionHandler((error, commandLine, parseResult) -> {
                    // Start-up failures are the operator's to fix: say what failed and why, not a stack trace.
                    commandLine.getErr().println("kmip-appliance: " + describe(error));
                    // An HSM that is not there yet may come back: ask the service manager to try again.
                    return error instanceof HsmUnavailableException
                            ? HsmWatchdog.EXIT_RESTART : 1;
                })
                .execute(args));
    }

    private static String describe(Throwable error) {
        StringBuilder message = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause();
             cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append("\n  caused by: ").append(cause.getMessage());
            }
        }
        return message.toString();
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
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

        Path stateDirectory(Path fallback) {
            if (stateDirectory != null) {
                return stateDirectory.toAbsolutePath();
            }
            String fromEnvironment = System.getenv("KMIP_APPLIANCE_STATE_DIR");
            return (fromEnvironment != null ? Path.of(fromEnvironment) : fallback).toAbsolutePath();
        }

        ApplianceConfig config() {
            return config == null ? ApplianceConfig.defaults() : ApplianceConfig.load(config);
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
            config = config.withListeners(host, config.kmip().port(), config.rest().port());
            Appliance appliance = Appliance.start(config, common.stateDirectory(Path.of("var", "demo")));
            restartOnLongHsmOutage(appliance, config);
            Demo.Setup setup = Demo.prepare(appliance, host);
            printWelcome(System.out, appliance, setup, host, (System.nanoTime() - started) / 1_000_000);
            serveUntilInterrupted(appliance);
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
            Appliance appliance = Appliance.start(config, common.stateDirectory(Path.of("/var/lib/kmip-appliance")));
            restartOnLongHsmOutage(appliance, config);
            InitialAdmin.ensure(appliance.custody(), appliance.stateDirectory());
            serveUntilInterrupted(appliance);
            return 0;
        }
    }

    /** Exits with status 75 after a long HSM outage, so the service manager restarts the appliance. */
    private static void restartOnLongHsmOutage(Appliance appliance, ApplianceConfig config) {
        appliance.watchHsm(Duration.ofSeconds(config.hsm().restartAfterSeconds()),
                () -> System.exit(HsmWatchdog.EXIT_RESTART));
    }

    private static void serveUntilInterrupted(Appliance appliance) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            appliance.close();
            stopped.countDown();
        }, "appliance-shutdown"));
        stopped.await();
    }

    static void printWelcome(PrintStream out, Appliance appliance, Demo.Setup setup, String host, long millis) {
        String rest = "https://" + host + ":" + appliance.restPort();
        out.printf("""

                KMIP appliance demo is running (started in %d ms). State: %s

                  KMIP (mutual TLS):  %s:%d      CA certificate: %s
                  REST (HTTPS):       %s
                  Instance id:        %s
                  Admin API token:    %s
                  KMIP adapter:       %s (client certificate and key in %s)

                Create an AES-256 key over KMIP with PyKMIP (Debian python3-pykmip) and fetch it back:
                  /usr/bin/python3 %s

                List the adapter's KMIP objects over REST:
                  curl --cacert %s -H 'authorization: Bearer %s' -H 'bluemix-instance: %s' %s/api/v2/kmip_adapters/%s/kmip_objects

                Press Ctrl-C to stop.
                """, millis, appliance.stateDirectory(), host, appliance.kmipPort(), appliance.caCertificateFile(), rest,
                setup.instance().id(), setup.apiToken(), setup.adapter().name(), setup.directory(), setup.script(),
                appliance.caCertificateFile(), setup.apiToken(), setup.instance().id(), rest, setup.adapter().name());
        out.flush();
    }
}
