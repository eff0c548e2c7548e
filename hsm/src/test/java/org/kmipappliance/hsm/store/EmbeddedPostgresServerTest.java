package org.kmipappliance.hsm.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.system.ChildProcesses;

/**
 * The embedded PostgreSQL as an attacker on the same machine and as a crash would meet it: nobody but the
 * appliance's role gets in, that role is no superuser, commits are durable, and neither a killed appliance nor a
 * killed PostgreSQL keeps the next start from working.
 */
class EmbeddedPostgresServerTest {
    private static final Path TARGET = Path.of(System.getProperty("java.io.tmpdir"));
    private static final Path BINARIES = TARGET.resolve("postgres-binaries");
    private static Path directory;
    private static EmbeddedPostgresServer server;

    @BeforeAll
    static void start() {
        directory = TARGET.resolve("embedded-postgres-" + UUID.randomUUID());
        server = EmbeddedPostgresServer.start(directory, BINARIES);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Connection connect(EmbeddedPostgresServer to) throws SQLException {
        return DriverManager.getConnection(to.jdbcUrl(), EmbeddedPostgresServer.ROLE, to.password());
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); var result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    @Test
    void theSuperuserAndWrongPasswords_cannotLogIn() {
        for (String[] login : List.of(new String[] {"postgres", ""}, new String[] {"postgres", server.password()},
                new String[] {EmbeddedPostgresServer.ROLE, ""}, new String[] {EmbeddedPostgresServer.ROLE, "guess"})) {
            assertThrows(SQLException.class, () -> DriverManager.getConnection(server.jdbcUrl(), login[0], login[1])
                    .close(), login[0] + " with password '" + login[1] + "'");
        }
        assertThrows(SQLException.class, () -> DriverManager.getConnection(server.jdbcUrl().replace(
                EmbeddedPostgresServer.DATABASE, "postgres"), EmbeddedPostgresServer.ROLE, server.password()).close(),
                "the role reaches its own database only");
        for (Path socketDirectory : List.of(Path.of("/tmp"), Path.of("/var/run/postgresql"), directory.resolve("data"))) {
            assertFalse(Files.exists(socketDirectory.resolve(".s.PGSQL." + server.port())), "no unix socket in "
                    + socketDirectory);
        }
    }

    @Test
    void theAppliancesRole_ownsItsDatabase_butCannotReadFilesOrRunPrograms() throws Exception {
        try (Connection connection = connect(server)) {
            assertEquals("f", query(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
            assertEquals(EmbeddedPostgresServer.ROLE, query(connection,
                    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE owned_here (id int)");
                statement.execute("DROP TABLE owned_here");
                for (String attack : List.of("SELECT pg_read_file('postgresql.conf')",
                        "COPY (SELECT 1) TO PROGRAM 'id'", "CREATE ROLE intruder LOGIN SUPERUSER",
                        "ALTER ROLE " + EmbeddedPostgresServer.ROLE + " SUPERUSER")) {
                    SQLException refused = assertThrows(SQLException.class, () -> statement.execute(attack), attack);
                    assertTrue(refused.getSQLState().startsWith("42"), attack + ": " + refused.getMessage());
                }
            }
        }
    }

    @Test
    void commitsAreDurable_fsyncAndSynchronousCommitAreOn() throws Exception {
        try (Connection connection = connect(server)) {
            assertEquals("on", query(connection, "SHOW fsync"));
            assertEquals("on", query(connection, "SHOW synchronous_commit"));
            assertEquals("on", query(connection, "SHOW full_page_writes"));
            assertEquals("127.0.0.1", query(connection, "SHOW listen_addresses"));
        }
        try (CustodyDatabase custody = CustodyDatabase.connect(server.jdbcUrl(), EmbeddedPostgresServer.ROLE,
                server.password(), 2)) {
            assertEquals(List.of(), custody.durabilityWarnings(), "the embedded server is durable");
        }
        // What an external database set up carelessly looks like: the role's sessions do not wait for the disk.
        try (Connection connection = connect(server); Statement statement = connection.createStatement()) {
            statement.execute("ALTER ROLE " + EmbeddedPostgresServer.ROLE + " SET synchronous_commit = off");
        }
        try (CustodyDatabase careless = CustodyDatabase.connect(server.jdbcUrl(), EmbeddedPostgresServer.ROLE,
                server.password(), 2)) {
            List<String> warnings = careless.durabilityWarnings();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().startsWith("synchronous_commit is off"), warnings.getFirst());
        } finally {
            try (Connection connection = connect(server); Statement statement = connection.createStatement()) {
                statement.execute("ALTER ROLE " + EmbeddedPostgresServer.ROLE + " RESET synchronous_commit");
            }
        }
    }

    @Test
    void anotherOsUser_cannotConnectNorReadTheCredentials() throws Exception {
        assumeTrue(ChildProcesses.runningAsRoot(), "switching to another OS user needs root");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                directory.resolve("credentials"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        for (String user : List.of("postgres", EmbeddedPostgresServer.ROLE)) {
            ChildProcesses.Result psql = asNobody(List.of("psql", "-w", "-h", "127.0.0.1", "-p",
                    Integer.toString(server.port()), "-U", user, "-d", EmbeddedPostgresServer.DATABASE, "-c",
                    "SELECT 1"));
            assertNotEquals(0, psql.exitCode(), psql.output());
            assertTrue(psql.output().contains("password") || psql.output().contains("pg_hba.conf"), psql.output());
        }
        ChildProcesses.Result read = asNobody(List.of("cat", directory.resolve("credentials").toString()));
        assertNotEquals(0, read.exitCode());
        assertTrue(read.output().contains("Permission denied"), read.output());
    }

    private static ChildProcesses.Result asNobody(List<String> command) {
        List<String> asOther = new ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
        asOther.addAll(command);
        return ChildProcesses.run(ChildProcesses.builder(asOther, java.util.Map.of()), null, Duration.ofSeconds(30));
    }

    @Test
    void postgres_getsAMinimalEnvironment_nothingOfTheAppliances() throws Exception {
        assertTrue(System.getenv().containsKey("SOFTHSM2_CONF"), "the test JVM has an environment to leak");
        long pid = server.pid().orElseThrow();
        byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        Set<String> names = new TreeSet<>();
        for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
            if (!entry.isEmpty()) {
                names.add(entry.substring(0, entry.indexOf('=')));
            }
        }
        assertEquals(new TreeSet<>(List.of("LC_ALL", "PATH", "TZ")), names);
    }

    @Test
    void killedPostgres_isStartedAgainOnTheSamePort_withEveryCommittedRow() throws Exception {
        Path own = TARGET.resolve("embedded-postgres-" + UUID.randomUUID());
        try (EmbeddedPostgresServer restarted = EmbeddedPostgresServer.start(own, BINARIES)) {
            try (Connection connection = connect(restarted); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE acknowledged (id int)");
                statement.execute("INSERT INTO acknowledged SELECT generate_series(1, 1000)");
            }
            long first = restarted.pid().orElseThrow();
            int port = restarted.port();
            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try (Connection connection = connect(restarted)) {
                    assertEquals("1000", query(connection, "SELECT count(*) FROM acknowledged"));
                    break;
                } catch (SQLException e) {
                    Thread.sleep(200);
                }
            }
            assertEquals(port, restarted.port());
            assertNotEquals(first, restarted.pid().orElseThrow(), "a new postmaster serves");
            try (Connection connection = connect(restarted)) {
                assertEquals("1000", query(connection, "SELECT count(*) FROM acknowledged"));
            }
        }
    }

    @Test
    void killedAppliance_takesItsPostgresWithIt_andTheNextStartKeepsTheData() throws Exception {
        Path own = TARGET.resolve("embedded-postgres-" + UUID.randomUUID());
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OwnerInAnotherJvm.class.getName(), own.toString(),
                BINARIES.toString()).redirectErrorStream(true).start();
        long postmaster;
        try (BufferedReader output = new BufferedReader(new InputStreamReader(owner.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = output.readLine();
            while (line != null && !line.startsWith("postmaster ")) {
                line = output.readLine();
            }
            assertTrue(line != null, "the other JVM started PostgreSQL");
            postmaster = Long.parseLong(line.substring("postmaster ".length()));
            owner.destroyForcibly();
            assertTrue(owner.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(ProcessHandle.of(postmaster).map(process -> process.onExit().completeOnTimeout(null, 30,
                TimeUnit.SECONDS).join() != null).orElse(true), "PostgreSQL ended with the JVM that ran it");
        try (EmbeddedPostgresServer next = EmbeddedPostgresServer.start(own, BINARIES);
             Connection connection = connect(next)) {
            assertEquals("42", query(connection, "SELECT answer FROM before_the_kill"));
        }
    }

    /** Starts PostgreSQL, writes a row, prints the postmaster's pid and waits to be killed. */
    public static final class OwnerInAnotherJvm {
        public static void main(String[] args) throws Exception {
            EmbeddedPostgresServer server = EmbeddedPostgresServer.start(Path.of(args[0]), Path.of(args[1]));
            try (Connection connection = connect(server); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE before_the_kill AS SELECT 42 AS answer");
            }
            System.out.println("postmaster " + server.pid().orElseThrow());
            System.out.flush();
            Thread.sleep(Duration.ofMinutes(5));
        }
    }

    @Test
    void aLeftoverPostmaster_isStoppedAtStart() throws Exception {
        Path own = TARGET.resolve("embedded-postgres-" + UUID.randomUUID());
        EmbeddedPostgresServer.start(own, BINARIES).close();
        // A postmaster on that cluster that nobody stops: what an appliance killed before the parent-death signal
        // existed left behind.
        Path postgres;
        try (Stream<Path> unpacked = Files.list(BINARIES)) {
            postgres = unpacked.filter(path -> Files.exists(path.resolve(".complete"))).findFirst().orElseThrow()
                    .resolve("bin/postgres");
        }
        List<String> command = new ArrayList<>(ChildProcesses.runningAsRoot() ? List.of("unshare", "--user", "--")
                : List.of());
        command.addAll(List.of(postgres.toString(), "-D", own.resolve("data").toString(), "-c",
                "listen_addresses=127.0.0.1", "-c", "port=" + freePort(), "-c", "unix_socket_directories=", "-c",
                "hba_file=" + own.resolve("pg_hba.conf")));
        Process leftover = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.exists(own.resolve("data/postmaster.pid")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(leftover.isAlive(), "the leftover postmaster runs");
            try (EmbeddedPostgresServer next = EmbeddedPostgresServer.start(own, BINARIES);
                 Connection connection = connect(next)) {
                assertFalse(leftover.isAlive(), "the leftover was stopped");
                assertEquals("1", query(connection, "SELECT 1"));
            }
        } finally {
            leftover.destroyForcibly();
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aClusterFromTheInsecureDevelopmentBuild_isRefusedWithWhatToDo() throws Exception {
        Path legacy = TARGET.resolve("embedded-postgres-" + UUID.randomUUID());
        Files.createDirectories(legacy.resolve("data"));
        Files.writeString(legacy.resolve("data/PG_VERSION"), "14\n");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> EmbeddedPostgresServer.start(legacy, BINARIES));
        assertTrue(refused.getMessage().contains("mv " + legacy), refused.getMessage());
        assertTrue(Arrays.asList(legacy.toFile().list()).contains("data"), "nothing was deleted");
    }
}
