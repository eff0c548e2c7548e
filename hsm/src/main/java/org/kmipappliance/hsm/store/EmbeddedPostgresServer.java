package org.kmipappliance.hsm.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL server run from the io.zonky embedded binaries, for a single node on its embedded defaults
 * and for tests. Its data directory survives restarts, so keys created in one run are there in the next.
 * It listens on loopback only.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    public static final String USER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL on {@code dataDirectory} (created and initialised on first use), with its binaries
     * unpacked under {@code workDirectory}.
     */
    public static EmbeddedPostgresServer start(Path dataDirectory, Path workDirectory) {
        try {
            Files.createDirectories(workDirectory);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false) // initdb runs only when the directory is new
                    .setOverrideWorkingDirectory(workDirectory.toFile())
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDirectory + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl(USER, database);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}
