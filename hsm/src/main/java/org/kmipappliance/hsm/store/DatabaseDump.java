package org.kmipappliance.hsm.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.postgresql.PGConnection;

/**
 * The appliance's tables as PostgreSQL COPY text, written out of one snapshot and loaded back into an empty schema
 * of the same version. It needs no pg_dump (the embedded PostgreSQL ships none, and an external one's may be of
 * another major version): the schema comes from the migrations, the rows from COPY. Key material is in the rows
 * only as HSM-sealed blobs, so a dump holds no plaintext key.
 */
public final class DatabaseDump {
    /** Flyway's own table: its rows are the migrations, which a load re-runs rather than copies. */
    private static final String MIGRATIONS_TABLE = "flyway_schema_history";

    private DatabaseDump() {
    }

    /** The schema version the migrations have brought {@code connection}'s database to. */
    public static String schemaVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             var result = statement.executeQuery("SELECT version FROM " + MIGRATIONS_TABLE + " WHERE success "
                     + "AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
            if (!result.next()) {
                throw new SQLException("the database has no schema yet");
            }
            return result.getString(1);
        }
    }

    /** The newest schema version this build's migrations make. */
    public static String latestSchemaVersion(DataSource dataSource) {
        return Arrays.stream(flyway(dataSource, MigrationVersion.LATEST).info().all())
                .map(MigrationInfo::getVersion).filter(Objects::nonNull).max(Comparator.naturalOrder())
                .orElseThrow().getVersion();
    }

    /** Brings the schema to {@code version}, and no further: a dump loads into the schema it was taken from. */
    public static void migrateTo(DataSource dataSource, String version) {
        flyway(dataSource, MigrationVersion.fromVersion(version)).migrate();
    }

    private static Flyway flyway(DataSource dataSource, MigrationVersion target) {
        return Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").target(target).load();
    }

    /**
     * The appliance's tables in an order that loads: each after every table its foreign keys point to. Flyway's
     * table is not one of them.
     */
    public static List<String> tablesInLoadOrder(Connection connection) throws SQLException {
        Set<String> tables = new LinkedHashSet<>();
        Map<String, Set<String>> parents = new HashMap<>();
        try (Statement statement = connection.createStatement()) {
            try (var result = statement.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = "
                    + "current_schema() AND tablename <> '" + MIGRATIONS_TABLE + "' ORDER BY tablename")) {
                while (result.next()) {
                    tables.add(result.getString(1));
                }
            }
            try (var result = statement.executeQuery("SELECT child.relname, parent.relname FROM pg_constraint c "
                    + "JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid "
                    + "JOIN pg_namespace n ON n.oid = child.relnamespace "
                    + "WHERE c.contype = 'f' AND n.nspname = current_schema()")) {
                while (result.next()) {
                    if (!result.getString(1).equals(result.getString(2))) {
                        parents.computeIfAbsent(result.getString(1), table -> new HashSet<>()).add(result.getString(2));
                    }
                }
            }
        }
        List<String> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        while (ordered.size() < tables.size()) {
            int before = ordered.size();
            for (String table : tables) {
                if (!placed.contains(table) && placed.containsAll(parents.getOrDefault(table, Set.of()))) {
                    ordered.add(table);
                    placed.add(table);
                }
            }
            if (ordered.size() == before) {
                throw new SQLException("the tables' foreign keys form a cycle; no load order exists");
            }
        }
        return ordered;
    }

    /** Writes every row of {@code table} as COPY text and returns how many there were. */
    public static long copyOut(Connection connection, String table, OutputStream out) throws SQLException,
            IOException {
        return connection.unwrap(PGConnection.class).getCopyAPI()
                .copyOut("COPY " + quoted(table) + " TO STDOUT", out);
    }

    /** Loads COPY text into {@code table} and returns how many rows it held. */
    public static long copyIn(Connection connection, String table, InputStream in) throws SQLException,
            IOException {
        return connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + quoted(table) + " FROM STDIN", in);
    }

    /** Moves every sequence past the largest value its column holds, so rows added after a load get new ids. */
    public static void advanceSequences(Connection connection) throws SQLException {
        List<String[]> serials = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             var result = statement.executeQuery("SELECT table_name, column_name, "
                     + "pg_get_serial_sequence(quote_ident(table_name), column_name) FROM information_schema.columns "
                     + "WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'")) {
            while (result.next()) {
                serials.add(new String[] {result.getString(1), result.getString(2), result.getString(3)});
            }
        }
        try (Statement statement = connection.createStatement()) {
            for (String[] serial : serials) {
                statement.execute("SELECT setval('" + serial[2].replace("'", "''") + "', COALESCE((SELECT max("
                        + quoted(serial[1]) + ") FROM " + quoted(serial[0]) + "), 0) + 1, false)");
            }
        }
    }

    /** Whether the database holds any of the appliance's tables: a load goes into an empty one only. */
    public static boolean hasApplianceTables(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             var result = statement.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = "
                     + "current_schema()")) {
            result.next();
            return result.getLong(1) > 0;
        }
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
