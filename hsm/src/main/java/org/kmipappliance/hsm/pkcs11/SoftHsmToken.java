package org.kmipappliance.hsm.pkcs11;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kmipappliance.hsm.ForwardingHsm;
import org.kmipappliance.hsm.ImportWrapping;
import org.kmipappliance.hsm.SecretBytes;
import org.kmipappliance.hsm.Hsm;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.system.ChildProcesses;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * A SoftHSM2 token of the appliance's own, in a directory: the embedded default HSM of a single node and the HSM
 * of the tests. On first use it writes the SoftHSM2 configuration, initialises a token with random PINs and
 * remembers the token's slot. The user PIN is kept in a file only the appliance's user can read; the SO PIN is used
 * once, to initialise the token, and never stored: its only other use would be to reset a lost user PIN, and the
 * operator keeps a copy of the user PIN apart from the backups anyway (a backup leaves it out). Neither PIN ever appears in a command line or an
 * environment, where /proc would show it to other users: softhsm2-util reads PINs from a terminal only, so it runs
 * on a pseudo-terminal that script(1) provides and each PIN is typed when its prompt appears.
 *
 * <p>libsofthsm2 reads {@code SOFTHSM2_CONF} from the environment when the JVM first touches it, and Java cannot
 * set environment variables, so the process must be started with it (bin/kmip-appliance and the build do that).
 */
public final class SoftHsmToken {
    public static final List<Path> LIBRARY_LOCATIONS = List.of(
            Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib64/pkcs11/libsofthsm2.so"),
            Path.of("/usr/lib64/softhsm/libsofthsm2.so"));

    private static final Pattern ASSIGNED_SLOT = Pattern.compile("reassigned to slot (\\d+)");
    private static final Pattern SAFE_LABEL = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final int PIN_BYTES = 16;
    private static final Duration INITIALISATION_TIMEOUT = Duration.ofSeconds(60);

    private static final System.Logger LOG = System.getLogger(SoftHsmToken.class.getName());

    private SoftHsmToken() {
    }

    /** The SoftHSM2 configuration file that belongs to a token directory. */
    public static Path configFile(Path directory) {
        return directory.toAbsolutePath().normalize().resolve("softhsm2.conf");
    }

    /** Makes sure the token in {@code directory} exists and returns how to open it. */
    public static HsmConfig provision(Path directory, String label) {
        Path config = configFile(directory);
        String fromEnvironment = System.getenv("SOFTHSM2_CONF");
        if (fromEnvironment == null || !Path.of(fromEnvironment).toAbsolutePath().normalize().equals(config)) {
            throw new HsmConfigurationException("SoftHSM2 reads its configuration from the SOFTHSM2_CONF environment "
                    + "variable when the process starts, and it is " + (fromEnvironment == null ? "unset"
                    : "'" + fromEnvironment + "'") + "; start the appliance with SOFTHSM2_CONF=" + config
                    + " (bin/kmip-appliance sets it for you)");
        }
        Path library = library();
        Path pinFile = userPinFile(directory);
        Path slotFile = slotFile(directory);
        try {
            // Earlier versions kept the SO PIN; nothing needs it, so it does not stay on disk.
            Files.deleteIfExists(config.resolveSibling("so-pin"));
            if (!Files.exists(slotFile)) {
                initialise(config, label, pinFile, slotFile);
            }
            long slot = Long.parseLong(Files.readString(slotFile, StandardCharsets.US_ASCII).strip());
            return new HsmConfig(library, slot, 0, pinFile, null);
        } catch (IOException e) {
            throw new HsmConfigurationException("cannot set up the SoftHSM2 token in " + config.getParent() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Where SoftHSM2 keeps the token's files: what a backup of the token copies. */
    public static Path tokensDirectory(Path directory) {
        return configFile(directory).resolveSibling("tokens");
    }

    /** The token's user PIN, readable by the appliance's user only; a backup leaves it out. */
    public static Path userPinFile(Path directory) {
        return configFile(directory).resolveSibling("user-pin");
    }

    /** The file that remembers the token's slot (SoftHSM2 derives it from the token's serial, so a copy keeps it). */
    public static Path slotFile(Path directory) {
        return configFile(directory).resolveSibling("slot");
    }

    /**
     * Makes {@code directory} the home of a token restored from a backup: its files (moved from {@code tokens}), its
     * slot and the user PIN the operator kept apart from the backup. The configuration names the new place, since
     * SoftHSM2 holds the token directory as an absolute path.
     */
    public static void adopt(Path directory, Path tokens, String slot, String userPin) {
        Path config = configFile(directory);
        try {
            PrivateFiles.directory(config.getParent());
            Files.move(tokens, tokensDirectory(directory));
            writeConfig(config, tokensDirectory(directory));
            PrivateFiles.write(userPinFile(directory), userPin.strip() + "\n");
            Files.writeString(slotFile(directory), slot.strip() + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new HsmConfigurationException("cannot set up the restored SoftHSM2 token in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    private static void writeConfig(Path config, Path tokens) throws IOException {
        Files.writeString(config, "directories.tokendir = " + tokens + "\n"
                + "objectstore.backend = file\n"
                + "log.level = ERROR\n"
                + "slots.removable = false\n", StandardCharsets.US_ASCII);
    }

    /** The installed libsofthsm2, or a message that says how to install it. */
    public static Path library() {
        return LIBRARY_LOCATIONS.stream().filter(Files::isReadable).findFirst()
                .orElseThrow(() -> new HsmConfigurationException("SoftHSM2 is not installed (no libsofthsm2.so in "
                        + LIBRARY_LOCATIONS + "); install it with: apt-get install softhsm2"));
    }

    private static void initialise(Path config, String label, Path pinFile, Path slotFile) throws IOException {
        if (!SAFE_LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("a token label is 1 to 32 letters, digits, '.', '_' and '-'");
        }
        Path directory = PrivateFiles.directory(config.getParent());
        LOG.log(System.Logger.Level.INFO, "first start: initialising the appliance''s SoftHSM2 token in {0}",
                directory);
        Path tokens = tokensDirectory(directory);
        Files.createDirectories(tokens);
        writeConfig(config, tokens);
        String userPin = randomPin();
        String soPin = randomPin();
        String output = initialiseToken(config, label, soPin, userPin);
        Matcher slot = ASSIGNED_SLOT.matcher(output);
        if (!slot.find()) {
            throw new HsmConfigurationException("softhsm2-util did not say which slot the new token got: "
                    + output.strip());
        }
        PrivateFiles.write(pinFile, userPin + "\n");
        Files.writeString(slotFile, slot.group(1) + "\n", StandardCharsets.US_ASCII);
    }

    /** Runs softhsm2-util --init-token on a pseudo-terminal and types each PIN at its prompt; returns what it said. */
    private static String initialiseToken(Path config, String label, String soPin, String userPin)
            throws IOException {
        ProcessBuilder builder = ChildProcesses.builder(List.of("script", "-q", "-e", "-c",
                "softhsm2-util --init-token --free --label " + label, "/dev/null"),
                Map.of("SOFTHSM2_CONF", config.toString()));
        Process process;
        try {
            process = builder.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new HsmConfigurationException("cannot run script(1), which gives softhsm2-util the terminal it "
                    + "reads PINs from; install util-linux (Debian: bsdutils)", e);
        }
        PromptReader prompts = new PromptReader(process);
        try (Writer terminal = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
            for (String[] answer : new String[][] {{"enter SO PIN:", soPin}, {"reenter SO PIN:", soPin},
                    {"enter user PIN:", userPin}, {"reenter user PIN:", userPin}}) {
                prompts.await(answer[0], INITIALISATION_TIMEOUT);
                terminal.write(answer[1] + "\r");
                terminal.flush();
            }
            if (!process.waitFor(INITIALISATION_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new HsmConfigurationException("softhsm2-util could not initialise a token with "
                        + config + ": " + prompts.text().strip());
            }
            return prompts.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmConfigurationException("interrupted while initialising the SoftHSM2 token");
        } finally {
            process.destroyForcibly();
        }
    }

    /** What a program prints on its terminal, read as it comes, so we can wait for a prompt. */
    private static final class PromptReader {
        private final StringBuilder text = new StringBuilder();
        private final Thread reader;

        PromptReader(Process process) {
            reader = Thread.ofVirtual().start(() -> {
                try (var output = process.getInputStream()) {
                    byte[] buffer = new byte[256];
                    for (int read = output.read(buffer); read >= 0; read = output.read(buffer)) {
                        synchronized (text) {
                            text.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                            text.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the program ended; what it said is in text
                }
            });
        }

        void await(String prompt, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (text) {
                while (text.indexOf(prompt) < 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !reader.isAlive() && text.indexOf(prompt) < 0) {
                        throw new HsmConfigurationException("softhsm2-util did not ask for the "
                                + prompt.replace(":", "") + ": " + text.toString().strip());
                    }
                    text.wait(Math.max(1, left / 1_000_000));
                }
                // Later prompts are looked for only in what comes after this one.
                text.delete(0, text.indexOf(prompt) + prompt.length());
            }
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }

        String finish() throws InterruptedException {
            reader.join(Duration.ofSeconds(10));
            return text();
        }
    }

    /**
     * The token of {@code directory}, made durable: SoftHSM2 writes its token files without ever syncing them (seen
     * with strace), so a power cut just after a rotation could lose a root-key version the database already
     * records, and with it every key sealed under it. After every change of the token's objects, and before the
     * change is reported done (hence before the database records it), the files changed and the directories are
     * synced.
     */
    public static Hsm durable(Hsm token, Path directory) {
        Path tokens = tokensDirectory(directory);
        return new ForwardingHsm(token) {
            @Override
            public void createRootKey(String label) {
                long started = System.currentTimeMillis();
                super.createRootKey(label);
                sync(tokens, started);
            }

            @Override
            public OptionalInt importRootKey(String label, String transportLabel, ImportWrapping wrapping,
                                             byte[] wrapped) {
                long started = System.currentTimeMillis();
                OptionalInt bits = super.importRootKey(label, transportLabel, wrapping, wrapped);
                sync(tokens, started);
                return bits;
            }

            @Override
            public OptionalInt importRootKey(String label, SecretBytes material) {
                long started = System.currentTimeMillis();
                OptionalInt bits = super.importRootKey(label, material);
                sync(tokens, started);
                return bits;
            }

            @Override
            public byte[] createTransportKey(String label) {
                long started = System.currentTimeMillis();
                byte[] publicKey = super.createTransportKey(label);
                sync(tokens, started);
                return publicKey;
            }

            @Override
            public void destroyRootKey(String label) {
                long started = System.currentTimeMillis();
                super.destroyRootKey(label);
                sync(tokens, started);
            }

            @Override
            public void createProbeKeyIfMissing() {
                long started = System.currentTimeMillis();
                super.createProbeKeyIfMissing();
                sync(tokens, started);
            }
        };
    }

    /** Syncs the files under {@code root} changed since {@code since} (with a second's slack), then every directory. */
    private static void sync(Path root, long since) {
        try (var paths = Files.walk(root)) {
            List<Path> all = paths.toList();
            for (Path path : all) {
                if (Files.isRegularFile(path) && Files.getLastModifiedTime(path).toMillis() >= since - 1000) {
                    try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
                        file.force(true);
                    }
                }
            }
            for (Path path : all) {
                if (Files.isDirectory(path)) {
                    try (FileChannel directory = FileChannel.open(path, StandardOpenOption.READ)) {
                        directory.force(true);
                    }
                }
            }
        } catch (IOException e) {
            throw new HsmException("cannot make the SoftHSM2 token's files in " + root + " durable: " + e.getMessage(),
                    e);
        }
    }

    private static String randomPin() {
        byte[] random = new byte[PIN_BYTES];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
