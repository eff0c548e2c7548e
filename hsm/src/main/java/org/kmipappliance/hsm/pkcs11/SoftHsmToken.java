package org.kmipappliance.hsm.pkcs11;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SoftHSM2 token of the appliance's own, in a directory: the embedded default HSM of a single node and the HSM
 * of the tests. On first use it writes the SoftHSM2 configuration, initialises a token with random PINs (kept in
 * files only the appliance's user can read) and remembers the token's slot.
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
    private static final int PIN_BYTES = 16;

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
        Path pinFile = config.resolveSibling("user-pin");
        Path slotFile = config.resolveSibling("slot");
        try {
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

    /** The installed libsofthsm2, or a message that says how to install it. */
    public static Path library() {
        return LIBRARY_LOCATIONS.stream().filter(Files::isReadable).findFirst()
                .orElseThrow(() -> new HsmConfigurationException("SoftHSM2 is not installed (no libsofthsm2.so in "
                        + LIBRARY_LOCATIONS + "); install it with: apt-get install softhsm2"));
    }

    private static void initialise(Path config, String label, Path pinFile, Path slotFile) throws IOException {
        Path directory = config.getParent();
        Path tokens = directory.resolve("tokens");
        Files.createDirectories(tokens);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config, "directories.tokendir = " + tokens + "\n"
                + "objectstore.backend = file\n"
                + "log.level = ERROR\n"
                + "slots.removable = false\n", StandardCharsets.US_ASCII);
        String userPin = writeSecret(pinFile);
        String soPin = writeSecret(config.resolveSibling("so-pin"));
        ProcessBuilder init = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", label,
                "--so-pin", soPin, "--pin", userPin).redirectErrorStream(true);
        init.environment().put("SOFTHSM2_CONF", config.toString());
        Process process = init.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new HsmConfigurationException("softhsm2-util could not initialise a token in " + tokens + ": "
                        + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmConfigurationException("interrupted while initialising the SoftHSM2 token");
        }
        Matcher slot = ASSIGNED_SLOT.matcher(output);
        if (!slot.find()) {
            throw new HsmConfigurationException("softhsm2-util did not say which slot the new token got: "
                    + output.strip());
        }
        Files.writeString(slotFile, slot.group(1) + "\n", StandardCharsets.US_ASCII);
    }

    private static String writeSecret(Path file) throws IOException {
        byte[] random = new byte[PIN_BYTES];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret + "\n", StandardCharsets.US_ASCII);
        return secret;
    }
}
