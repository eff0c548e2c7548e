package org.kmipappliance.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Making the embedded token: while a JVM provisions one, every process's command line and environment in /proc is
 * watched, as another user on the machine could; the PIN must never be among them.
 */
class SoftHsmTokenTest {
    @Test
    void provisioning_showsNoPinInAnyCommandLineOrEnvironment_andKeepsNoSoPin() throws Exception {
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "softhsm-provision-" + UUID.randomUUID());
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (watching.get()) {
                try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                    for (Path process : processes) {
                        for (String file : List.of("cmdline", "environ")) {
                            try {
                                seen.add(new String(Files.readAllBytes(process.resolve(file)), StandardCharsets.UTF_8)
                                        .replace('\0', ' '));
                            } catch (IOException e) {
                                // the process ended meanwhile
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), ProvisionInAnotherJvm.class.getName(),
                directory.toString()).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmToken.configFile(directory).toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        watching.set(false);
        watcher.join();
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("token opened"), output);

        assertTrue(seen.stream().anyMatch(text -> text.contains("softhsm2-util --init-token")),
                "the watcher saw softhsm2-util run");
        String userPin = Files.readString(directory.resolve("user-pin")).strip();
        assertTrue(userPin.length() >= 16);
        assertFalse(seen.stream().anyMatch(text -> text.contains(userPin)), "the user PIN showed in /proc");
        assertFalse(seen.stream().anyMatch(text -> text.contains("--so-pin") || text.contains("--pin ")),
                "no PIN option was passed");
        assertFalse(Files.exists(directory.resolve("so-pin")), "the SO PIN is not kept");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                directory.resolve("user-pin"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
    }

    /** Provisions a token in a directory and logs in to it. */
    public static final class ProvisionInAnotherJvm {
        public static void main(String[] args) {
            HsmConfig config = SoftHsmToken.provision(Path.of(args[0]), "provision-test");
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(config)) {
                hsm.createProbeKeyIfMissing();
                hsm.probe();
                System.out.println("token opened");
            }
        }
    }

    /**
     * SoftHSM2 never syncs the file of a new token object (strace shows no fsync), so a power cut could lose a root-key
     * version the database records; the appliance's token goes through {@link SoftHsmToken#durable}, which syncs it
     * before the change is reported done.
     */
    @Test
    void aNewRootKey_isSyncedToDisk_onlyThroughTheDurableToken() throws Exception {
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "softhsm-durable-" + UUID.randomUUID());
        assertEquals(0, tokenFileSyncs(directory, "raw"), "SoftHSM2 itself syncs nothing");
        assertTrue(tokenFileSyncs(directory, "durable") >= 2, "the new object's file and its directory are synced");
    }

    /** Runs a JVM that makes one root key on the token in {@code directory} under strace; counts fsyncs of its files. */
    private static long tokenFileSyncs(Path directory, String mode) throws Exception {
        Path trace = Files.createTempFile("strace", ".txt");
        ProcessBuilder builder = new ProcessBuilder("strace", "-f", "-y", "-e", "trace=fsync,fdatasync", "-o",
                trace.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), CreateRootKeyInAnotherJvm.class.getName(),
                directory.toString(), mode).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmToken.configFile(directory).toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), "strace (apt-get install strace) and the JVM ran: " + output);
        String tokens = directory.resolve("tokens").toString();
        try (var lines = Files.lines(trace)) {
            return lines.filter(line -> line.contains("sync(") && line.contains(tokens)).count();
        } finally {
            Files.delete(trace);
        }
    }

    /** Provisions a token (first use only) and makes one root key, through the durable token or the raw one. */
    public static final class CreateRootKeyInAnotherJvm {
        public static void main(String[] args) {
            Path directory = Path.of(args[0]);
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmToken.provision(directory, "durable-test"))) {
                org.kmipappliance.hsm.Hsm token = args[1].equals("durable") ? SoftHsmToken.durable(hsm, directory)
                        : hsm;
                token.createRootKey("durability-" + args[1] + "-" + UUID.randomUUID());
            }
        }
    }
}
