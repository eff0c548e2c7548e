package org.kmipappliance.appliance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The backup archive: a gzip'd tar of a directory laid out as below, with a manifest that names every file and its
 * SHA-256, so a restore refuses an archive that was damaged or changed.
 * <pre>
 * manifest.json          format, when and by which version, schema version, tables and their rows, checksums
 * database/TABLE.copy    each table as PostgreSQL COPY text (sealed blobs only: no plaintext key)
 * token/tokens/...       the embedded SoftHSM2 token's files (absent with another PKCS#11 HSM)
 * token/slot             the token's slot
 * pki/...                the appliance's CA and server certificates, which clients such as vCenter trust
 * </pre>
 * The token's user PIN is never in the archive: the token's files are encrypted under it, so an archive alone opens
 * nothing, and the PIN is kept apart by the operator.
 */
final class BackupArchive {
    static final int FORMAT = 1;
    static final String MANIFEST = "manifest.json";
    static final String DATABASE = "database";
    static final String TOKEN = "token";
    static final String TOKEN_FILES = "tokens";
    static final String TOKEN_SLOT = "slot";
    static final String PKI = "pki";
    /** The largest archive member a restore accepts; a table of a busy appliance's audit log fits many times. */
    private static final long MAX_MEMBER_BYTES = 64L * 1024 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A table and how many rows the backup copied. */
    record TableRows(String name, long rows) {
    }

    /** What the archive holds; {@code token} is "softhsm2" or says which HSM to back up with its vendor's tools. */
    record Manifest(int format, String createdAt, String applianceVersion, String commit, String schemaVersion,
                    String token, List<TableRows> tables, Map<String, String> files) {
        boolean hasToken() {
            return "softhsm2".equals(token);
        }
    }

    private BackupArchive() {
    }

    /** The file of a table's rows inside the archive's directory. */
    static Path tableFile(Path directory, String table) {
        return directory.resolve(DATABASE).resolve(table + ".copy");
    }

    /** The checksum of every file under {@code directory} (the manifest aside), by its path relative to it. */
    static Map<String, String> checksums(Path directory) throws IOException {
        Map<String, String> sums = new TreeMap<>();
        for (Path file : regularFiles(directory)) {
            String name = directory.relativize(file).toString();
            if (!name.equals(MANIFEST)) {
                sums.put(name, sha256(file));
            }
        }
        return sums;
    }

    /**
     * Writes {@code directory} with its manifest as the archive {@code archive}: to a neighbour first, synced, then
     * renamed, so the archive is either whole or absent; readable by its owner only from the first byte.
     */
    static void write(Path directory, Manifest manifest, Path archive) throws IOException {
        JSON.writeValue(directory.resolve(MANIFEST).toFile(), manifest);
        Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream file = Files.newOutputStream(partial, StandardOpenOption.WRITE);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(
                     new BufferedOutputStream(file, 1 << 16)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path member : regularFiles(directory)) {
                TarArchiveEntry entry = new TarArchiveEntry(member.toFile(), directory.relativize(member).toString());
                entry.setMode(0600);
                tar.putArchiveEntry(entry);
                Files.copy(member, tar);
                tar.closeArchiveEntry();
            }
        }
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Unpacks {@code archive} into the empty directory {@code into}, checks every file against the manifest (none
     * missing, none added, none changed) and returns the manifest.
     */
    static Manifest unpack(Path archive, Path into) throws IOException {
        try (InputStream file = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(
                     new BufferedInputStream(file, 1 << 16)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into) || target.equals(into) || !entry.isFile()) {
                    throw new IOException(archive + " is not a kmip-appliance backup: it holds '" + entry.getName()
                            + "'");
                }
                if (entry.getSize() > MAX_MEMBER_BYTES) {
                    throw new IOException(archive + " holds " + entry.getName() + " of " + entry.getSize()
                            + " bytes, more than a backup member may have");
                }
                Files.createDirectories(target.getParent());
                Files.copy(tar, target);
            }
        } catch (IOException e) {
            throw new IOException("cannot read the backup " + archive + ": " + e.getMessage(), e);
        }
        Path manifestFile = into.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new IOException(archive + " has no " + MANIFEST + ": it is not a kmip-appliance backup");
        }
        Manifest manifest = JSON.readValue(manifestFile.toFile(), Manifest.class);
        if (manifest.format() != FORMAT) {
            throw new IOException(archive + " is a backup of format " + manifest.format() + ", and this appliance "
                    + "reads format " + FORMAT + "; restore it with the version that made it ("
                    + manifest.applianceVersion() + ")");
        }
        Map<String, String> found = checksums(into);
        if (!found.equals(manifest.files())) {
            List<String> differing = Stream.concat(found.keySet().stream(), manifest.files().keySet().stream())
                    .distinct().filter(name -> !String.valueOf(found.get(name))
                            .equals(String.valueOf(manifest.files().get(name)))).sorted().toList();
            throw new IOException(archive + " was damaged or changed after it was written: " + differing
                    + " do not match its manifest");
        }
        return manifest;
    }

    /** Deletes a directory and everything in it (a no-op when it is absent). */
    static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static List<Path> regularFiles(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String sha256(Path file) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
