package org.kmipappliance.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.kmipappliance.hsm.store.DatabaseDump;
import org.kmipappliance.hsm.store.EmbeddedPostgresServer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The appliance's database as a backup or a restore reaches it, without the rest of the appliance: the embedded
 * PostgreSQL of a running appliance (through the port it listens on), the embedded one started for the occasion
 * when none runs, or the external one the configuration names.
 */
final class DatabaseAccess implements AutoCloseable {
    private final PGSimpleDataSource dataSource;
    private final EmbeddedPostgresServer startedHere;

    private DatabaseAccess(String jdbcUrl, String user, String password, EmbeddedPostgresServer startedHere) {
        this.dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        this.startedHere = startedHere;
    }

    /** The database a backup reads: it must hold the appliance's schema. */
    static DatabaseAccess existing(ApplianceConfig.Database config, Path state) throws IOException, SQLException {
        DatabaseAccess access;
        if (config.embedded()) {
            Path home = embeddedHome(state);
            if (!Files.exists(home.resolve("data"))) {
                throw new IllegalStateException("there is no database in " + home + ": is --state-dir the "
                        + "appliance's state directory (/var/lib/kmip-appliance for the service)?");
            }
            Optional<Integer> running = EmbeddedPostgresServer.runningPort(home);
            access = running.isPresent()
                    ? new DatabaseAccess(EmbeddedPostgresServer.jdbcUrl(running.get()), EmbeddedPostgresServer.ROLE,
                            EmbeddedPostgresServer.password(home), null)
                    : startEmbedded(home);
        } else {
            access = new DatabaseAccess(config.jdbcUrl(), config.user(), config.password(), null);
        }
        try (Connection connection = access.connect()) {
            DatabaseDump.schemaVersion(connection);
        } catch (SQLException | RuntimeException e) {
            access.close();
            throw e;
        }
        return access;
    }

    /** The database a restore loads: a new embedded one, or an external one without the appliance's tables. */
    static DatabaseAccess empty(ApplianceConfig.Database config, Path state) throws SQLException {
        if (config.embedded()) {
            Path home = embeddedHome(state);
            if (Files.exists(home.resolve("data"))) {
                throw new IllegalStateException(state + " already has a database (" + home.resolve("data")
                        + "); restore into a new state directory, or move " + home + " aside first");
            }
            return startEmbedded(home);
        }
        DatabaseAccess access = new DatabaseAccess(config.jdbcUrl(), config.user(), config.password(), null);
        try (Connection connection = access.connect()) {
            if (DatabaseDump.hasApplianceTables(connection)) {
                throw new IllegalStateException("the database at " + config.jdbcUrl() + " already has tables; "
                        + "a restore loads into an empty database (CREATE DATABASE a new one, or DROP OWNED BY "
                        + config.user() + " if its content is to go)");
            }
        }
        return access;
    }

    private static Path embeddedHome(Path state) {
        return state.resolve("postgres");
    }

    private static DatabaseAccess startEmbedded(Path home) {
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(home, home.resolve("binaries"));
        return new DatabaseAccess(server.jdbcUrl(), EmbeddedPostgresServer.ROLE, server.password(), server);
    }

    Connection connect() throws SQLException {
        return dataSource.getConnection();
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** Stops the embedded PostgreSQL if it was started here; a running appliance's stays up. */
    @Override
    public void close() {
        if (startedHere != null) {
            startedHere.close();
        }
    }
}
