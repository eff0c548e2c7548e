package org.kmipappliance.kmip.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's PyKMIP (python3-pykmip) as a separate process: the independent KMIP client of the tests. Runs
 * pykmip_client.py with /usr/bin/python3, where the Debian package lives.
 */
public final class PyKmip {
    private static Path script;

    private PyKmip() {
    }

    /** What one run printed and how it ended. */
    public record Run(int exitCode, String stdout, String stderr) {
    }

    public static Run run(Path config, String version, String... command) {
        try {
            List<String> arguments = commandLine(config, version, command);
            Path stderr = Files.createTempFile("pykmip", ".err");
            Process process = new ProcessBuilder(arguments).redirectError(stderr.toFile()).start();
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("PyKMIP did not finish within 120 s");
            }
            String errors = Files.readString(stderr);
            Files.delete(stderr);
            return new Run(process.exitValue(), stdout, errors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The command line of a run, for a test that starts PyKMIP from another process (a browser test's). */
    public static List<String> commandLine(Path config, String version, String... command) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("/usr/bin/python3", script().toString(),
                config.toString(), version));
        arguments.addAll(List.of(command));
        return arguments;
    }

    private static synchronized Path script() throws IOException {
        if (script == null) {
            script = Files.createTempFile("pykmip_client", ".py");
            try (InputStream in = PyKmip.class.getResourceAsStream("/pykmip_client.py")) {
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return script;
    }
}
