package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launchers' prerequisite probes (appliance/bin/lib/common.sh), run by bash as the launchers run them. The
 * repository root holds a kmip/ folder, which an import run from there takes for PyKMIP; the probe must not.
 */
class LauncherPrerequisitesTest {
    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
    private static final Path COMMON = REPOSITORY.resolve("appliance/bin/lib/common.sh");
    private static final String PYKMIP = "python3-kmip.pie.client:python3-pykmip";

    private record Result(int status, String stdout) {
    }

    private static Result missing(Path workingDirectory, Map<String, String> environment, String... probes)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", ". \"$0\" && missing_packages \"$@\"",
                COMMON.toString()));
        command.addAll(List.of(probes));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe finished");
        return new Result(process.exitValue(), stdout);
    }

    /** A python3 without site-packages: what a fresh machine without python3-pykmip has. */
    private static Path pythonWithoutPyKmip() throws IOException {
        Path wrapper = Files.createTempFile("python3-without-pykmip", ".sh",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(wrapper, "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
        return wrapper;
    }

    @Test
    void pyKmipAbsent_isReportedMissing_evenFromTheRepositoryRootWithItsKmipFolder() throws Exception {
        assertTrue(Files.isDirectory(REPOSITORY.resolve("kmip")), "the repository root has the kmip/ folder");
        Path python = pythonWithoutPyKmip();
        try {
            Result result = missing(REPOSITORY, Map.of("KMIP_APPLIANCE_PYTHON", python.toString()), PYKMIP);
            assertEquals(0, result.status());
            assertEquals("python3-pykmip\n", result.stdout());
            // The same from the module folder, and with PYTHONPATH pointing at the repository.
            assertEquals("python3-pykmip\n", missing(REPOSITORY.resolve("appliance"), Map.of(
                    "KMIP_APPLIANCE_PYTHON", python.toString(), "PYTHONPATH", REPOSITORY.toString()), PYKMIP)
                    .stdout());
        } finally {
            Files.delete(python);
        }
    }

    @Test
    void pyKmipProbe_agreesWithDpkg() throws Exception {
        Process dpkg = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", "python3-pykmip").start();
        boolean installed = new String(dpkg.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .contains("install ok installed");
        dpkg.waitFor(30, TimeUnit.SECONDS);
        assertEquals(installed ? "" : "python3-pykmip\n", missing(REPOSITORY, Map.of(), PYKMIP).stdout());
    }

    @Test
    void fileAndCommandProbes_reportExactlyWhatIsMissing() throws Exception {
        Result result = missing(REPOSITORY, Map.of(), "/no/such/file:file-package", "bash:bash-package",
                "no-such-command-kmip-appliance:command-package", "/bin/sh:sh-package");
        assertEquals("file-package\ncommand-package\n", result.stdout());
    }
}
