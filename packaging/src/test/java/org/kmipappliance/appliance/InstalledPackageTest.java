package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.TlsProbes;
import org.kmipappliance.kmip.client.KmipClient;

/**
 * The RPM as an operator gets it: its files, modes and scriptlets; installed into a scratch root (rpm --root), its
 * systemd unit verifies clean and scores as hardened; its launcher initialises a state directory and serves a key
 * over KMIP, with nothing of the source tree or Maven involved.
 */
class InstalledPackageTest {
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for kmip-appliance.service: "
            + "([0-9.]+)");
    @TempDir
    static Path scratch;
    private static Path rpm;
    private static Path root;

    @BeforeAll
    static void install() throws Exception {
        try (Stream<Path> built = Files.list(Path.of("target", "rpm"))) {
            rpm = built.filter(file -> file.toString().endsWith(".noarch.rpm")).findFirst().orElseThrow(
                    () -> new AssertionError("packaging/target/rpm holds no RPM: the package phase builds it"))
                    .toAbsolutePath();
        }
        root = scratch.resolve("root");
        run("rpm", "--root", root.toString(), "--initdb");
        // --noscripts: the scriptlets add a system user and talk to systemd, neither of which a scratch root has.
        run("rpm", "--root", root.toString(), "--nodeps", "--noscripts", "-i", rpm.toString());
    }

    /** Runs a command to its end (two minutes at most); its output, or a failure with it. */
    private static String run(String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(scratch, "output", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().remove("SOFTHSM2_CONF"); // the test JVM's token is not the installed appliance's
        Process process = builder.start();
        boolean ended = process.waitFor(2, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly().waitFor();
        }
        String printed = Files.readString(output);
        if (!ended || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + (ended ? " failed" : " did not end") + ":\n"
                    + printed);
        }
        return printed;
    }

    @Test
    void thePackage_holdsTheServicesFiles_withTheirModes() throws Exception {
        String files = run("rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} "
                + "%{FILEFLAGS:fflags} %{FILENAMES}\n]", rpm.toString());
        for (String expected : List.of(
                "-rw-r----- root kmip-appliance cn /etc/kmip-appliance/config.yaml",
                "drwxr-x--- root kmip-appliance  /etc/kmip-appliance",
                "drwx------ kmip-appliance kmip-appliance  /var/lib/kmip-appliance",
                "-rwxr-xr-x root root  /usr/share/kmip-appliance/bin/kmip-appliance",
                "lrwxrwxrwx root root  /usr/bin/kmip-appliance",
                "lrwxrwxrwx root root  /usr/bin/kmipctl",
                "-rw-r--r-- root root  /usr/share/bash-completion/completions/kmipctl",
                "-rw-r--r-- root root  /usr/lib/systemd/system/kmip-appliance.service",
                "-rw-r--r-- root root  /usr/lib/sysusers.d/kmip-appliance.conf",
                "-rw-r--r-- root root  /usr/lib/tmpfiles.d/kmip-appliance.conf")) {
            assertTrue(files.lines().anyMatch(line -> line.strip().equals(expected)), expected + " in\n" + files);
        }
        assertTrue(files.contains("/usr/share/kmip-appliance/lib/appliance-"), files);
        assertEquals("../share/kmip-appliance/bin/kmip-appliance",
                Files.readSymbolicLink(root.resolve("usr/bin/kmip-appliance")).toString(), "relative, so --root works");
        String shipped = Files.readString(root.resolve("etc/kmip-appliance/config.yaml"));
        assertEquals(Settings.example(), shipped, "the configuration names every key, commented, at its default");
        String scripts = run("rpm", "-qp", "--scripts", rpm.toString());
        for (String expected : List.of("useradd -r -g kmip-appliance", "systemctl --no-reload preset",
                "systemctl --no-reload disable --now", "systemctl try-restart")) {
            assertTrue(scripts.contains(expected), expected + " in\n" + scripts);
        }
        assertTrue(run("rpm", "-qp", "--requires", rpm.toString()).contains("java-21-headless"));
    }

    @Test
    void theInstalledUnit_verifiesClean_andIsHardened() throws Exception {
        // verify resolves the unit's dependencies and commands inside the root: give it the host's targets and kill.
        Path units = root.resolve("usr/lib/systemd/system");
        try (Stream<Path> host = Files.list(Path.of("/usr/lib/systemd/system"))) {
            for (Path unit : host.filter(path -> path.toString().endsWith(".target")).toList()) {
                Files.copy(unit, units.resolve(unit.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/bin/kill"), root.resolve("bin/kill"), StandardCopyOption.REPLACE_EXISTING);
        String problems = run("systemd-analyze", "verify", "--root=" + root, "kmip-appliance.service");
        assertEquals("", problems.strip(), "systemd-analyze verify");
        String security = run("systemd-analyze", "security", "--offline=yes", "--root=" + root,
                "kmip-appliance.service");
        Matcher exposure = EXPOSURE.matcher(security);
        assertTrue(exposure.find(), security);
        double score = Double.parseDouble(exposure.group(1));
        System.out.println("InstalledPackageTest: systemd-analyze security exposure " + score);
        assertTrue(score <= 2.0, "exposure " + score + ":\n" + security);
    }

    @Test
    void theInstalledLauncher_initialisesAndServesAKeyOverKmip() throws Exception {
        Path launcher = root.resolve("usr/bin/kmip-appliance");
        Path state = scratch.resolve("state");
        Path config = ApplianceProcess.writeConfig(state, "");
        String first = run(launcher.toString(), "init", "--state-dir", state.toString(), "--config",
                config.toString());
        assertTrue(first.contains(state + " is ready") && first.contains("initial-admin-api-token"), first);
        String again = run(launcher.toString(), "init", "--state-dir", state.toString(), "--config",
                config.toString());
        assertTrue(again.contains("were made earlier"), "init is safe to run again:\n" + again);
        try (ApplianceProcess appliance = ApplianceProcess.start(List.of(launcher.toString()), state, config)) {
            ApplianceClient operator = new ApplianceClient(appliance, appliance.admin());
            operator.createAdapter("installed", operator.createRootKey("installed-root"));
            CertificateAuthority.Issued vcenter = operator.registerClient("installed", "vcenter");
            try (KmipClient kmip = operator.kmip(vcenter)) {
                String id = kmip.createAesKey(256, 12);
                byte[] key = kmip.getKeyMaterial(id);
                assertEquals(32, key.length);
                assertArrayEquals(key, kmip.getKeyMaterial(id));
            }
            // The installed process refuses weak TLS and renegotiation on both ports (Main sets the JDK's switch).
            SSLContext anonymous = TlsContexts.create(null, PemFiles.readCertificate(state.resolve("pki/ca.pem")));
            SSLContext registered = TlsContexts.create(vcenter, PemFiles.readCertificate(state.resolve("pki/ca.pem")));
            TlsProbes.assertWeakOffersRefused(anonymous.getSocketFactory(), appliance.restPort());
            TlsProbes.assertWeakOffersRefused(registered.getSocketFactory(), appliance.kmipPort());
            TlsProbes.assertRenegotiationRefused(anonymous.getSocketFactory(), appliance.restPort(),
                    "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            TlsProbes.assertRenegotiationRefused(registered.getSocketFactory(), appliance.kmipPort(), new byte[8]);
            // The installed kmipctl (the same launcher, by another name) logs in with the first start's token file.
            String kmipctl = root.resolve("usr/bin/kmipctl").toString();
            String profile = "XDG_CONFIG_HOME=" + scratch.resolve("kmipctl-config");
            String login = run("env", profile, kmipctl, "login", "--url", "https://localhost:" + appliance.restPort(),
                    "--cacert", state.resolve("pki/ca.pem").toString(), "--token-file",
                    state.resolve("initial-admin-api-token").toString());
            assertTrue(login.contains("saved to"), login);
            String adapters = run("env", profile, kmipctl, "adapters");
            assertTrue(adapters.lines().anyMatch(line -> line.startsWith("installed ")), adapters);
            assertTrue(Files.isRegularFile(root.resolve("usr/share/bash-completion/completions/kmipctl")));
            String listening = run(launcher.toString(), "await-ready", "--config", portsOf(config, appliance)
                    .toString(), "--timeout", "10");
            assertTrue(listening.contains("ready"), listening);
            appliance.close();
            // 143: the JVM's status after a clean stop on SIGTERM, which the unit counts as success.
            assertEquals(143, appliance.awaitExit(Duration.ofSeconds(30)), appliance.output());
            assertTrue(appliance.output().contains("stopped"), appliance.output());
        }
    }

    @Test
    void anUpgrade_keepsTheConfigurationAndTheKeys_andRemovalKeepsTheState() throws Exception {
        Path upgraded = scratch.resolve("upgrade-root");
        run("rpm", "--root", upgraded.toString(), "--initdb");
        run("rpm", "--root", upgraded.toString(), "--nodeps", "--noscripts", "-i", rpm.toString());
        Path config = upgraded.resolve("etc/kmip-appliance/config.yaml");
        String edited = Files.readString(config) + "# edited by the operator\n";
        Files.writeString(config, edited);
        Path state = upgraded.resolve("var/lib/kmip-appliance");
        Path listeners = ApplianceProcess.writeConfig(scratch.resolve("upgrade-state"), "");
        List<String> launcher = List.of(upgraded.resolve("usr/bin/kmip-appliance").toString());
        String id;
        byte[] key;
        CertificateAuthority.Issued vcenter;
        try (ApplianceProcess before = ApplianceProcess.start(launcher, state, listeners)) {
            ApplianceClient operator = new ApplianceClient(before, before.admin());
            operator.createAdapter("kept", operator.createRootKey("kept-root"));
            vcenter = operator.registerClient("kept", "vcenter");
            try (KmipClient kmip = operator.kmip(vcenter)) {
                id = kmip.createAesKey(256, 12);
                key = kmip.getKeyMaterial(id);
            }
        }

        // The next build of the package: same contents, a later release, as a routine update ships it.
        String release = run("rpm", "-qp", "--qf", "%{RELEASE}", rpm.toString()).strip();
        Path next = scratch.resolve("next");
        run(Path.of("bin", "build-rpm").toAbsolutePath().toString(), "--no-build", "--release", release + ".1", "--out",
                next.toString());
        try (Stream<Path> built = Files.list(next)) {
            run("rpm", "--root", upgraded.toString(), "--nodeps", "--noscripts", "-U",
                    built.findFirst().orElseThrow().toString());
        }
        assertEquals(release + ".1", run("rpm", "--root", upgraded.toString(), "-q", "--qf", "%{RELEASE}",
                "kmip-appliance").strip());
        assertEquals(edited, Files.readString(config), "the operator's configuration is kept");
        try (ApplianceProcess after = ApplianceProcess.start(launcher, state, listeners);
             KmipClient kmip = new ApplianceClient(after, after.admin()).kmip(vcenter)) {
            assertArrayEquals(key, kmip.getKeyMaterial(id), "the key created before the upgrade");
        }

        run("rpm", "--root", upgraded.toString(), "--nodeps", "--noscripts", "-e", "kmip-appliance");
        assertTrue(Files.exists(state.resolve("softhsm")) && Files.exists(state.resolve("postgres")),
                "removing the package keeps the keys' state");
        assertTrue(Files.exists(upgraded.resolve("etc/kmip-appliance/config.yaml.rpmsave")),
                "and the edited configuration");
        assertTrue(Files.notExists(upgraded.resolve("usr/share/kmip-appliance/lib")), "the program is gone");
    }

    /**
     * The build this test upgrades from: the last commit before database schema 7 (audit records with who, where and
     * a correlation id), with today's state layout (private embedded PostgreSQL, no PIN on disk but the user PIN).
     */
    private static final String OLDER_COMMIT = "29e4d9e35f4f09e887f965d3bb3d7de3e88c5be2";

    /**
     * An appliance built from an older commit, with schema 6, runs on a state directory and makes keys; the
     * installed package's launcher then serves the same directory: the schema migrates at start (a backup of it
     * says the newest schema, 8) and every key comes back with its material.
     */
    @Test
    void anApplianceBuiltFromAnOlderCommit_upgradesInPlace_migratingTheSchemaAndKeepingTheKeys() throws Exception {
        Path repository = Path.of("..").toAbsolutePath().normalize();
        Assumptions.assumeFalse(run("git", "-C", repository.toString(), "rev-parse", "--is-shallow-repository")
                .strip().equals("true"), "a shallow clone lacks the older commit this test builds");
        Path classpath = olderBuild(repository);
        Path state = scratch.resolve("older-state");
        Path config = ApplianceProcess.writeConfig(state, "");
        Map<String, byte[]> keys = new LinkedHashMap<>();
        ApplianceProcess.Admin admin;
        CertificateAuthority.Issued vcenter;
        List<String> olderLauncher = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", Files.readString(classpath).strip(),
                "org.kmipappliance.appliance.Main");
        try (ApplianceProcess older = ApplianceProcess.start(olderLauncher, state, config, Map.of("SOFTHSM2_CONF",
                state.resolve("softhsm/softhsm2.conf").toString()))) {
            admin = older.admin();
            ApplianceClient operator = new ApplianceClient(older, admin);
            operator.createAdapter("older", operator.createRootKey("older-root"));
            vcenter = operator.registerClient("older", "vcenter");
            try (KmipClient kmip = operator.kmip(vcenter)) {
                for (int i = 0; i < 3; i++) {
                    String id = kmip.createAesKey(256, 12);
                    keys.put(id, kmip.getKeyMaterial(id));
                }
            }
        }

        Path launcher = root.resolve("usr/bin/kmip-appliance");
        try (ApplianceProcess upgraded = ApplianceProcess.start(List.of(launcher.toString()), state, config);
             KmipClient kmip = new ApplianceClient(upgraded, admin).kmip(vcenter)) {
            for (Map.Entry<String, byte[]> key : keys.entrySet()) {
                assertArrayEquals(key.getValue(), kmip.getKeyMaterial(key.getKey()), "key " + key.getKey());
            }
            assertEquals(32, kmip.getKeyMaterial(kmip.createAesKey(256, 12)).length, "and new keys are made");
            Path archive = scratch.resolve("after-upgrade.tar.gz");
            run(launcher.toString(), "backup", "--state-dir", state.toString(), "--config", config.toString(),
                    "--out", archive.toString());
            assertEquals("15", schemaVersionIn(archive), "the schema was migrated from 6 to the newest");
        }
    }

    /**
     * Builds {@link #OLDER_COMMIT} from this repository's history in a clone of its own (once per target
     * directory) and returns the file that holds its runtime classpath.
     */
    private static Path olderBuild(Path repository) throws IOException, InterruptedException {
        Path tree = Path.of("target", "older-build", OLDER_COMMIT.substring(0, 12)).toAbsolutePath();
        Path classpath = tree.resolve("appliance/target/runtime-classpath.txt");
        if (Files.exists(classpath)) {
            return classpath;
        }
        if (Files.exists(tree)) {
            run("rm", "-rf", tree.toString());
        }
        run("git", "clone", "--quiet", "--no-checkout", repository.toString(), tree.toString());
        run("git", "-C", tree.toString(), "checkout", "--quiet", OLDER_COMMIT);
        assertTrue(Files.notExists(tree.resolve("hsm/src/main/resources/db/migration/V7__audit_who_where_correlation"
                + ".sql")), "the older build has an older schema");
        ProcessBuilder maven = new ProcessBuilder("mvn", "-B", "-q", "package", "dependency:build-classpath",
                "-DskipTests", "-Dmdep.outputFile=target/dependencies.txt", "-pl", "appliance", "-am")
                .directory(tree.toFile()).redirectErrorStream(true).redirectOutput(tree.resolve("build.log").toFile());
        maven.environment().put("JAVA_HOME", System.getProperty("java.home"));
        maven.environment().remove("SOFTHSM2_CONF");
        Process build = maven.start();
        if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
            build.destroyForcibly();
            throw new AssertionError("the build of " + OLDER_COMMIT + " failed:\n"
                    + Files.readString(tree.resolve("build.log")));
        }
        try (Stream<Path> jars = Files.list(tree.resolve("appliance/target"))) {
            Path jar = jars.filter(file -> file.getFileName().toString().matches("appliance-.*\\.jar"))
                    .findFirst().orElseThrow();
            Files.writeString(classpath, jar + ":" + Files.readString(tree.resolve("appliance/target/dependencies.txt"))
                    .strip());
        }
        return classpath;
    }

    private static String schemaVersionIn(Path archive) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(archive)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.getName().equals("manifest.json")) {
                    return new ObjectMapper().readTree(tar.readAllBytes()).get("schemaVersion").asText();
                }
            }
        }
        throw new AssertionError(archive + " has no manifest");
    }

    /** The configuration with the ports the appliance bound (it was started on port 0). */
    private static Path portsOf(Path config, ApplianceProcess appliance) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(config));
        lines.replaceAll(line -> line.replace("kmip: {host: 127.0.0.1, port: 0}", "kmip: {host: 127.0.0.1, port: "
                + appliance.kmipPort() + "}").replace("rest: {host: 127.0.0.1, port: 0}",
                "rest: {host: 127.0.0.1, port: " + appliance.restPort() + "}"));
        return Files.write(config.resolveSibling("bound.yaml"), lines);
    }
}
