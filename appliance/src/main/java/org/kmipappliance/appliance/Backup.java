package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.store.DatabaseDump;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * kmip-appliance backup: a consistent {@link BackupArchive} of a running or stopped appliance.
 *
 * <p>Consistency between the database and the token: every KMIP key is sealed under a root-key version that the
 * database names, and the token changes only when a version is made or destroyed, each of which the database
 * records (before the HSM destroys, after it makes). So the backup fixes a database snapshot, copies the token, and
 * then reads the versions again outside the snapshot: if they are what the snapshot saw and no token file changed
 * while it was copied, the copy holds every version the snapshot names, and the snapshot's tables are dumped. If
 * not (a rotation or deletion ran meanwhile), it tries again.
 */
final class Backup {
    private static final int ATTEMPTS = 5;
    private static final Duration PAUSE_BETWEEN_ATTEMPTS = Duration.ofSeconds(1);

    /** What a backup wrote. */
    record Summary(Path archive, BackupArchive.Manifest manifest, int attempts) {
    }

    private Backup() {
    }

    /** What may happen between the snapshot and the token copy: a rotation, a deletion (tests make one happen). */
    interface BetweenSnapshotAndCopy {
        void during(int attempt) throws IOException, InterruptedException;
    }

    static Summary write(ApplianceConfig config, Path state, Path archive) throws IOException, SQLException,
            InterruptedException {
        return write(config, state, archive, attempt -> { });
    }

    static Summary write(ApplianceConfig config, Path state, Path archive, BetweenSnapshotAndCopy meanwhile)
            throws IOException, SQLException, InterruptedException {
        Path target = archive.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        Path work = Files.createTempDirectory(target.getParent(), ".kmip-appliance-backup-");
        try {
            boolean embeddedToken = config.hsm().library() == null;
            Path token = state.resolve("softhsm");
            if (embeddedToken && !Files.exists(SoftHsmToken.slotFile(token))) {
                throw new IllegalStateException("there is no SoftHSM2 token in " + token + ": is --state-dir the "
                        + "appliance's state directory (/var/lib/kmip-appliance for the service)?");
            }
            List<BackupArchive.TableRows> tables = new ArrayList<>();
            String schemaVersion;
            int attempt = 1;
            try (DatabaseAccess database = DatabaseAccess.existing(config.database(), state)) {
                while (true) {
                    try (Connection snapshot = database.connect(); Connection current = database.connect()) {
                        snapshot.setAutoCommit(false);
                        snapshot.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                        snapshot.setReadOnly(true);
                        String versions = rootKeyVersions(snapshot);
                        meanwhile.during(attempt);
                        boolean tokenCopied = !embeddedToken || copyToken(token, work.resolve(BackupArchive.TOKEN));
                        if (tokenCopied && versions.equals(rootKeyVersions(current))) {
                            schemaVersion = DatabaseDump.schemaVersion(snapshot);
                            for (String table : DatabaseDump.tablesInLoadOrder(snapshot)) {
                                Path file = BackupArchive.tableFile(work, table);
                                Files.createDirectories(file.getParent());
                                try (OutputStream out = Files.newOutputStream(file)) {
                                    tables.add(new BackupArchive.TableRows(table,
                                            DatabaseDump.copyOut(snapshot, table, out)));
                                }
                            }
                            snapshot.commit();
                            break;
                        }
                        snapshot.rollback();
                    }
                    BackupArchive.deleteTree(work.resolve(BackupArchive.TOKEN));
                    if (++attempt > ATTEMPTS) {
                        throw new IllegalStateException("root keys were rotated, made or deleted during each of "
                                + ATTEMPTS + " attempts to copy the HSM token consistently with the database; "
                                + "run the backup again when no rotation or re-wrap is running");
                    }
                    Thread.sleep(PAUSE_BETWEEN_ATTEMPTS);
                }
            }
            if (Files.isDirectory(state.resolve(BackupArchive.PKI))) {
                copyTree(state.resolve(BackupArchive.PKI), work.resolve(BackupArchive.PKI));
            }
            BackupArchive.Manifest manifest = new BackupArchive.Manifest(BackupArchive.FORMAT,
                    Instant.now().toString(), Version.number(), Version.commit(), schemaVersion,
                    embeddedToken ? "softhsm2" : "not included: back up the HSM behind " + config.hsm().library()
                            + " with its vendor's procedure",
                    tables, BackupArchive.checksums(work));
            BackupArchive.write(work, manifest, target);
            return new Summary(target, manifest, attempt);
        } finally {
            BackupArchive.deleteTree(work);
        }
    }

    /** Every root-key version and whether it is destroyed, as one text to compare. */
    private static String rootKeyVersions(Connection connection) throws SQLException {
        StringBuilder versions = new StringBuilder();
        try (Statement statement = connection.createStatement();
             var result = statement.executeQuery("SELECT hsm_label, destroyed_at IS NULL FROM root_key_versions "
                     + "ORDER BY hsm_label")) {
            while (result.next()) {
                versions.append(result.getString(1)).append(result.getBoolean(2) ? " live\n" : " destroyed\n");
            }
        }
        return versions.toString();
    }

    /**
     * Copies the token's files and its slot into {@code into}; false when a file changed while they were copied
     * (SoftHSM2 was writing an object), and the copy cannot be trusted.
     */
    private static boolean copyToken(Path token, Path into) throws IOException {
        Path tokens = SoftHsmToken.tokensDirectory(token);
        Map<String, String> before = fileStates(tokens);
        copyTree(tokens, into.resolve(BackupArchive.TOKEN_FILES));
        Files.copy(SoftHsmToken.slotFile(token), into.resolve(BackupArchive.TOKEN_SLOT));
        return fileStates(tokens).equals(before);
    }

    /** Each file's size and modification time, by path. */
    private static Map<String, String> fileStates(Path directory) throws IOException {
        Map<String, String> states = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.toList()) {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                states.put(directory.relativize(path).toString(), attributes.size() + "@"
                        + attributes.lastModifiedTime().toInstant());
            }
        }
        return states;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        PrivateFiles.directory(to);
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path copy = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
    }
}
