package org.kmipappliance.kmipctl;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/** The profile {@code kmipctl login} saves, and the token files it reads. */
final class Profiles {
    private Profiles() {
    }

    /** A token, and the instance when the file names one (the appliance's initial-admin-api-token does). */
    record TokenFile(String token, String instance) {
    }

    /**
     * Reads the token from {@code file}: either the token alone, or the first start's file with its "instance ID"
     * and "token SECRET" lines.
     */
    static TokenFile readTokenFile(Path file) throws IOException {
        String token = null;
        String instance = null;
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("token ")) {
                token = trimmed.substring("token ".length()).strip();
            } else if (trimmed.startsWith("instance ")) {
                instance = trimmed.substring("instance ".length()).strip();
            } else if (!trimmed.isEmpty() && token == null) {
                token = trimmed;
            }
        }
        if (token == null) {
            throw new IOException(file + " holds no token");
        }
        return new TokenFile(token, instance);
    }

    /** Writes the settings to {@code file}, readable by its owner only (it holds the token), and returns it. */
    static Path save(Path file, Connection connection) throws IOException {
        Properties profile = new Properties();
        profile.setProperty(Connection.URL, connection.url().toString());
        profile.setProperty(Connection.TOKEN, connection.token());
        if (connection.instance() != null) {
            profile.setProperty(Connection.INSTANCE, connection.instance());
        }
        if (connection.caCertificate() != null) {
            profile.setProperty(Connection.CACERT, connection.caCertificate().toAbsolutePath().toString());
        }
        StringWriter text = new StringWriter();
        profile.store(text, "kmipctl profile, written by kmipctl login");
        Files.createDirectories(file.getParent());
        Path temporary = Files.createTempFile(file.getParent(), ".profile", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, text.toString());
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }
}
