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
 * A real PostgreSQL for the tests of one JVM (embedded; there is no Docker engine on the build machines), with a
 * fresh database for every caller so test classes never see each other's rows.
 */
public final class TestDatabase {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgresServer server;

    private TestDatabase() {
    }

    public static synchronized EmbeddedPostgresServer server() {
        if (server == null) {
            Path target = Path.of(System.getProperty("java.io.tmpdir"));
            Path data = target.resolve("postgres-" + UUID.randomUUID());
            server = EmbeddedPostgresServer.start(data, target.resolve("postgres-binaries"));
            EmbeddedPostgresServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.close();
                deleteQuietly(data);
            }));
        }
        return server;
    }

    /** Creates an empty database and returns its JDBC URL. */
    public static String createDatabase() {
        String name = "test_" + DATABASES.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(server().jdbcUrl("postgres"),
                EmbeddedPostgresServer.USER, "");
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return server().jdbcUrl(name);
    }

    /** A migrated custody database of its own. */
    public static CustodyDatabase fresh() {
        return CustodyDatabase.connect(createDatabase(), EmbeddedPostgresServer.USER, "", 4);
    }

    private static void deleteQuietly(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: target/ is cleaned by the next build anyway
        }
    }
}
