package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.MigrationVersion;
import org.kmipappliance.hsm.AuditLog;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.RootKeys;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.store.DatabaseDump;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * kmip-appliance restore: brings a {@link BackupArchive} into a new appliance. Whole, it lays out the token (with
 * the user PIN the operator kept apart), the certificates and the database in a new state directory. With {@code
 * databaseOnly} it loads the database beside an HSM that lived on (a network HSM, or this appliance's token after
 * its database was lost): then a root key deleted after the backup was taken stays deleted, because its HSM objects
 * are gone and nothing in a database can bring them back. Either way the restore ends by starting the appliance on
 * the result once, migrating an older schema, and recording as destroyed every root-key version the HSM does not
 * hold.
 */
final class Restore {
    private static final Requester RESTORE = Requester.system("restore");

    /** What a restore brought back, and the root-key versions that stayed shredded. */
    record Report(BackupArchive.Manifest manifest, List<RootKeys.MissingVersion> shredded) {
    }

    private Restore() {
    }

    static Report run(ApplianceConfig config, Path state, Path archive, Path tokenPinFile, boolean databaseOnly)
            throws IOException, SQLException {
        boolean embeddedToken = config.hsm().library() == null;
        Path token = state.resolve("softhsm");
        requireRestorableInto(state, token, embeddedToken, databaseOnly);
        if (tokenPinFile != null && !Files.isReadable(tokenPinFile)) {
            throw new IllegalStateException("cannot read the token PIN file " + tokenPinFile + "; name a readable "
                    + "copy of the old appliance's softhsm/user-pin");
        }
        if (!databaseOnly && embeddedToken && tokenPinFile == null) {
            throw new IllegalStateException("the token in the backup opens with its user PIN, which a backup leaves "
                    + "out: name the file that holds it with --token-pin-file (a copy of the old appliance's "
                    + "softhsm/user-pin)");
        }
        // Unpacked inside the state directory: private, and on the file system the files are moved to.
        Path work = PrivateFiles.directory(state).resolve(".restore");
        BackupArchive.deleteTree(work);
        PrivateFiles.directory(work);
        try {
            BackupArchive.Manifest manifest = BackupArchive.unpack(archive, work);
            if (!databaseOnly) {
                if (embeddedToken != manifest.hasToken()) {
                    throw new IllegalStateException(embeddedToken
                            ? "the backup holds no HSM token (" + manifest.token() + "); restore it with "
                                    + "--database-only and a configuration that names that HSM (hsm.library)"
                            : "the backup holds the embedded SoftHSM2 token, and the configuration names the HSM "
                                    + config.hsm().library() + "; restore it with the embedded defaults");
                }
                if (embeddedToken) {
                    Path tokenFiles = work.resolve(BackupArchive.TOKEN);
                    SoftHsmToken.adopt(token, tokenFiles.resolve(BackupArchive.TOKEN_FILES),
                            Files.readString(tokenFiles.resolve(BackupArchive.TOKEN_SLOT), StandardCharsets.US_ASCII),
                            Files.readString(tokenPinFile, StandardCharsets.UTF_8));
                }
                if (Files.isDirectory(work.resolve(BackupArchive.PKI))) {
                    Files.move(work.resolve(BackupArchive.PKI), state.resolve(BackupArchive.PKI));
                }
            }
            load(config, state, manifest, work);
            List<RootKeys.MissingVersion> shredded = new ArrayList<>();
            try (Appliance ignored = Appliance.start(config.withListeners("127.0.0.1", 0, 0), state,
                    custody -> {
                        custody.audit().record(RESTORE, "appliance.restore", archive.getFileName().toString(),
                                AuditLog.SUCCESS, (databaseOnly ? "database only, " : "whole, ") + "taken "
                                        + manifest.createdAt() + " by version " + manifest.applianceVersion());
                        shredded.addAll(custody.rootKeys().reconcileWithHsm(RESTORE));
                    })) {
                return new Report(manifest, shredded);
            }
        } finally {
            BackupArchive.deleteTree(work);
        }
    }

    /** A restore makes a new appliance: it refuses to mix the backup into one that exists. */
    private static void requireRestorableInto(Path state, Path token, boolean embeddedToken, boolean databaseOnly) {
        if (databaseOnly) {
            if (embeddedToken && !Files.exists(SoftHsmToken.slotFile(token))) {
                throw new IllegalStateException("--database-only loads the database beside the HSM token it was "
                        + "used with, and " + token + " holds none; restore the backup whole instead");
            }
            return;
        }
        for (Path existing : List.of(token, state.resolve(BackupArchive.PKI), state.resolve("postgres").resolve("data"))) {
            if (Files.exists(existing)) {
                throw new IllegalStateException(state + " is not a new state directory (" + existing + " exists); "
                        + "restore into an empty one, or with --database-only beside this one's HSM token");
            }
        }
    }

    /** Loads the tables into a schema of the backup's version, then lets the start migrate it further. */
    private static void load(ApplianceConfig config, Path state, BackupArchive.Manifest manifest, Path work)
            throws IOException, SQLException {
        try (DatabaseAccess database = DatabaseAccess.empty(config.database(), state)) {
            String latest = DatabaseDump.latestSchemaVersion(database.dataSource());
            if (MigrationVersion.fromVersion(manifest.schemaVersion())
                    .compareTo(MigrationVersion.fromVersion(latest)) > 0) {
                throw new IllegalStateException("the backup was made by kmip-appliance " + manifest.applianceVersion()
                        + " with database schema " + manifest.schemaVersion() + ", newer than this version's ("
                        + latest + "); restore it with that version or a later one");
            }
            DatabaseDump.migrateTo(database.dataSource(), manifest.schemaVersion());
            try (Connection connection = database.connect()) {
                connection.setAutoCommit(false);
                for (BackupArchive.TableRows table : manifest.tables()) {
                    try (InputStream rows = Files.newInputStream(BackupArchive.tableFile(work, table.name()))) {
                        long loaded = DatabaseDump.copyIn(connection, table.name(), rows);
                        if (loaded != table.rows()) {
                            throw new IllegalStateException("table " + table.name() + " loaded " + loaded
                                    + " rows, and the backup says it holds " + table.rows());
                        }
                    }
                }
                DatabaseDump.advanceSequences(connection);
                connection.commit();
            }
        }
    }
}
