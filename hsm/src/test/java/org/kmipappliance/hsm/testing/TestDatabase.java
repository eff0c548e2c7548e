package org.kmipappliance.hsm.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.EmbeddedPostgresServer;

/**
 * A real PostgreSQL for the tests of one JVM (the appliance's own embedded server; there is no Docker engine on the
 * build machines), with a schema of its own for every caller so test classes never see each other's rows. The
 * appliance's role owns the database and creates the schemas; nothing here needs a superuser.
 */
public final class TestDatabase {
    private static final String CHILD_URL = "KMIP_TEST_DATABASE_URL";
    private static final String CHILD_PASSWORD = "KMIP_TEST_DATABASE_PASSWORD";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static EmbeddedPostgresServer server;

    private TestDatabase() {
    }

    public static synchronized EmbeddedPostgresServer server() {
        if (server == null) {
            Path target = Path.of(System.getProperty("java.io.tmpdir"));
            Path directory = target.resolve("postgres-" + UUID.randomUUID());
            server = EmbeddedPostgresServer.start(directory, target.resolve("postgres-binaries"));
            EmbeddedPostgresServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.close();
                deleteQuietly(directory);
            }));
        }
        return server;
    }

    /** Creates an empty schema and returns the JDBC URL whose connections work in it. */
    public static String createDatabase() {
        String schema = "test_" + SCHEMAS.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(server().jdbcUrl(), EmbeddedPostgresServer.ROLE,
                server().password());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test schema " + schema, e);
        }
        return server().jdbcUrl() + "?currentSchema=" + schema;
    }

    /** A migrated custody database of its own. */
    public static CustodyDatabase fresh() {
        return connect(createDatabase(), 4);
    }

    /** A custody database on {@code jdbcUrl} (from {@link #createDatabase()}). */
    public static CustodyDatabase connect(String jdbcUrl, int connections) {
        return CustodyDatabase.connect(jdbcUrl, EmbeddedPostgresServer.ROLE, server().password(), connections);
    }

    /** Hands the database at {@code jdbcUrl} to a child JVM through its environment, not its command line. */
    public static void shareWithChild(ProcessBuilder child, String jdbcUrl) {
        child.environment().put(CHILD_URL, jdbcUrl);
        child.environment().put(CHILD_PASSWORD, server().password());
    }

    /** In a child JVM given a database by {@link #shareWithChild}: that database. */
    public static CustodyDatabase connectInChild(int connections) {
        return CustodyDatabase.connect(System.getenv(CHILD_URL), EmbeddedPostgresServer.ROLE,
                System.getenv(CHILD_PASSWORD), connections);
    }

    private static void deleteQuietly(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: target/ is cleaned by the next build anyway
        }
    }
}
