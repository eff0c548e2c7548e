package org.kmipappliance.hsm.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories only the appliance's OS user may open: PINs, passwords, private keys, API tokens, and the
 * directories that hold them.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private PrivateFiles() {
    }

    /** Creates {@code directory} (and its parents) and makes it enterable by its owner only. */
    public static Path directory(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the private directory " + directory + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Writes {@code text} to {@code file}, readable and writable by its owner only from the first byte on, and
     * atomically: a crash leaves the old content or the new one, never a part.
     */
    public static void write(Path file, String text) {
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether other users may read or write {@code file}. */
    public static boolean openToOthers(Path file) throws IOException {
        Set<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
        open.retainAll(Files.getPosixFilePermissions(file));
        return !open.isEmpty();
    }
}
