package org.kmipappliance.hsm.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.kmipappliance.hsm.system.ChildProcesses;
import org.kmipappliance.hsm.system.PrivateFiles;

/**
 * The PostgreSQL server of a node on its embedded defaults (and of the tests), run from the binaries that
 * io.zonky.test.postgres publishes, in a directory of the appliance's state. It is run as a production database:
 * <ul>
 * <li>Durable: fsync, synchronous_commit and full_page_writes are on, set on the command line so no configuration
 *     file can turn them off. A commit returns once its WAL is on disk.</li>
 * <li>Private: it listens on 127.0.0.1 only, has no unix socket, and admits exactly one role, the appliance's, with
 *     a SCRAM password (random, in a file only the appliance's user can read). The superuser cannot log in at all
 *     (the role and database are made in single-user mode, before the server first listens); the appliance's role
 *     owns its database and is not a superuser, so it cannot read files or run programs.</li>
 * <li>Bound to the appliance: PostgreSQL gets SIGINT (a fast, clean shutdown) when the thread that started it ends,
 *     which includes the JVM being killed (setpriv --pdeathsig). A postmaster left running anyway is recognised by
 *     its postmaster.pid and stopped before the next start.</li>
 * <li>Supervised: if it dies while the appliance runs it is started again, on the same port, and the connection
 *     pool reconnects.</li>
 * <li>Clean: it gets a minimal environment, never the appliance's (which may hold the HSM PIN).</li>
 * </ul>
 *
 * <p>As root, PostgreSQL (which refuses to run as root) runs in a user namespace of its own (unshare --user), where
 * it is an unprivileged user; the packaged service runs the appliance as its own user and needs none of that.
 *
 * <p>Layout: {@code data/} (the cluster), {@code credentials} (the role's password, 0600), {@code pg_hba.conf}
 * (rewritten at every start) and {@code postgresql.log}.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    /** The one role that may log in: it owns the appliance's database and is not a superuser. */
    public static final String ROLE = "kmip_appliance";
    /** The appliance's database. */
    public static final String DATABASE = "kmip_appliance";

    private static final System.Logger LOG = System.getLogger(EmbeddedPostgresServer.class.getName());
    /** How long a start may take; crash recovery replays the WAL first. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    /** How long a clean shutdown may take before the server is killed (its WAL makes that safe too). */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Starts tried, each on a new free port, before the first start is given up. */
    private static final int START_ATTEMPTS = 5;
    /** Longest pause between restarts of a server that keeps dying. */
    private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);
    /** The log is moved aside at start once it is this large, so it stays bounded. */
    private static final long MAX_LOG_BYTES = 10L * 1024 * 1024;
    private static final int PASSWORD_BYTES = 32;

    private final Path directory;
    private final Path data;
    private final Path log;
    private final PostgresBinaries binaries;
    private final String password;
    private final CompletableFuture<Void> firstStart = new CompletableFuture<>();
    private volatile int port;
    private volatile Process postmaster;
    private volatile boolean closing;
    private Thread supervisor;

    private EmbeddedPostgresServer(Path directory, PostgresBinaries binaries, String password) {
        this.directory = directory;
        this.data = directory.resolve("data");
        this.log = directory.resolve("postgresql.log");
        this.binaries = binaries;
        this.password = password;
    }

    /**
     * Starts PostgreSQL in {@code directory} (a new cluster on first use), with the binaries unpacked under
     * {@code binariesCache}, and returns once it accepts the appliance's role.
     */
    public static EmbeddedPostgresServer start(Path directory, Path binariesCache) {
        Path home = PrivateFiles.directory(directory.toAbsolutePath().normalize());
        PostgresBinaries binaries = PostgresBinaries.unpack(binariesCache.toAbsolutePath().normalize());
        Path data = home.resolve("data");
        Path credentials = home.resolve("credentials");
        try {
            if (!Files.exists(data)) {
                initialise(home, binaries);
            } else if (!Files.exists(credentials)) {
                throw new IllegalStateException("the embedded database in " + data + " was made by an earlier "
                        + "development build that let every local user in as its superuser, and it cannot be "
                        + "secured in place. Move it aside (mv " + home + " " + home + ".insecure) and start again: "
                        + "a new, private database is made");
            }
            requireSameMajorVersion(data, binaries);
            stopLeftoverPostmaster(data);
            writeClientAuthentication(home);
            rotateLog(home.resolve("postgresql.log"));
            String password = password(home);
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(home, binaries, password);
            server.startSupervisor();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + home + ": " + e.getMessage(),
                    e);
        }
    }

    public int port() {
        return port;
    }

    /** The JDBC URL of the appliance's database. */
    public String jdbcUrl() {
        return jdbcUrl(port);
    }

    /** The password of {@link #ROLE}. */
    public String password() {
        return password;
    }

    /** The process id of the running postmaster, if one runs. */
    public Optional<Long> pid() {
        Process running = postmaster;
        return running != null && running.isAlive() ? Optional.of(running.pid()) : Optional.empty();
    }

    /** Stops PostgreSQL (fast shutdown: open transactions are rolled back, everything committed is kept). */
    @Override
    public void close() {
        closing = true;
        Process running = postmaster;
        if (running != null && running.isAlive()) {
            stopFast(running.toHandle());
            try {
                if (!running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "the embedded PostgreSQL did not stop within {0} s; "
                            + "killing it (its WAL makes that safe)", STOP_TIMEOUT.toSeconds());
                    running.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (supervisor != null) {
            try {
                supervisor.join(STOP_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs PostgreSQL from a platform thread of its own that lives as long as the server: the parent-death signal
     * fires when the thread that started a process ends, so that thread must not be a pooled one.
     */
    private void startSupervisor() throws IOException {
        port = freePort();
        supervisor = new Thread(this::supervise, "embedded-postgres");
        supervisor.setDaemon(true);
        supervisor.start();
        try {
            firstStart.get(READY_TIMEOUT.multipliedBy(START_ATTEMPTS).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            close();
            throw new IllegalStateException("the embedded PostgreSQL did not start within "
                    + READY_TIMEOUT.toSeconds() + " s; see " + log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the embedded PostgreSQL", e);
        }
    }

    private void supervise() {
        int failedStarts = 0;
        Duration restartDelay = Duration.ofSeconds(1);
        while (!closing) {
            Process process;
            try {
                process = launch();
            } catch (IOException e) {
                firstStart.completeExceptionally(new UncheckedIOException("cannot run the embedded PostgreSQL "
                        + binaries.program("postgres") + ": " + e.getMessage(), e));
                return;
            }
            postmaster = process;
            boolean ready = awaitReady(process);
            if (ready && firstStart.complete(null)) {
                LOG.log(System.Logger.Level.DEBUG, "embedded PostgreSQL {0} ready on 127.0.0.1:{1,number,#}",
                        binaries.majorVersion(), port);
            }
            if (!ready && !firstStart.isDone() && !closing) {
                process.destroyForcibly();
                if (++failedStarts >= START_ATTEMPTS) {
                    firstStart.completeExceptionally(new IllegalStateException("the embedded PostgreSQL did not "
                            + "start (" + START_ATTEMPTS + " attempts); its log " + log + " ends with:\n"
                            + logTail()));
                    return;
                }
                try {
                    port = freePort();
                } catch (IOException e) {
                    firstStart.completeExceptionally(new UncheckedIOException(e));
                    return;
                }
                continue;
            }
            int status = waitForExit(process);
            if (closing) {
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "the embedded PostgreSQL (pid {0,number,#}) exited with status "
                    + "{1}; starting it again in {2} s. Its log {3} ends with:\n{4}", process.pid(), status,
                    restartDelay.toSeconds(), log, logTail());
            sleep(restartDelay);
            restartDelay = ready ? Duration.ofSeconds(1) : min(restartDelay.multipliedBy(2), MAX_RESTART_DELAY);
        }
    }

    private Process launch() throws IOException {
        List<String> command = new ArrayList<>(privilegeWrapper());
        if (ParentDeathSignal.WORKS) {
            command.addAll(List.of("setpriv", "--pdeathsig", "INT", "--"));
        }
        command.add(binaries.program("postgres").toString());
        command.addAll(List.of("-D", data.toString()));
        settings().forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
        return ChildProcesses.builder(command, Map.of())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The settings that make this server what the class comment promises; they override any file. */
    private Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", "127.0.0.1");
        settings.put("port", Integer.toString(port));
        settings.put("unix_socket_directories", "");
        settings.put("hba_file", directory.resolve("pg_hba.conf").toString());
        settings.put("password_encryption", "scram-sha-256");
        settings.put("fsync", "on");
        settings.put("synchronous_commit", "on");
        settings.put("full_page_writes", "on");
        settings.put("max_connections", "100");
        settings.put("timezone", "UTC");
        settings.put("log_timezone", "UTC");
        settings.put("log_destination", "stderr");
        settings.put("logging_collector", "off");
        settings.put("log_checkpoints", "off");
        settings.put("log_line_prefix", "%m [%p] ");
        return settings;
    }

    /** Waits until the appliance's role can log in, or the process ends. */
    private boolean awaitReady(Process process) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Properties login = new Properties();
        login.setProperty("user", ROLE);
        login.setProperty("password", password);
        login.setProperty("connectTimeout", "2");
        login.setProperty("loginTimeout", "5");
        while (System.nanoTime() < deadline && process.isAlive() && !closing) {
            try (Connection connection = new org.postgresql.Driver().connect(jdbcUrl(), login)) {
                if (connection.isValid(5)) {
                    return true;
                }
            } catch (SQLException e) {
                // not up yet (or recovering); try again
            }
            sleep(Duration.ofMillis(100));
        }
        return false;
    }

    /** First use: a new cluster, its one login role and database, and that role's password; all or nothing. */
    private static void initialise(Path home, PostgresBinaries binaries) throws IOException {
        Path fresh = home.resolve("data.new");
        Path credentials = home.resolve("credentials");
        PostgresBinaries.deleteTree(fresh);
        Files.deleteIfExists(credentials);
        LOG.log(System.Logger.Level.INFO, "first start: creating the embedded PostgreSQL {0} database in {1}",
                binaries.majorVersion(), home.resolve("data"));
        List<String> initdb = new ArrayList<>(privilegeWrapper());
        initdb.addAll(List.of(binaries.program("initdb").toString(), "-D", fresh.toString(), "--username=postgres",
                "--encoding=UTF8", "--locale=C", "--auth=reject", "--no-instructions"));
        ChildProcesses.Result made = ChildProcesses.run(ChildProcesses.builder(initdb, Map.of()), null,
                Duration.ofMinutes(5));
        if (!made.succeeded()) {
            throw new IllegalStateException("initdb could not create the embedded database: " + made.output().strip());
        }
        byte[] random = new byte[PASSWORD_BYTES];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // Single-user mode runs these before the server has ever listened: nobody else can be connected.
        String bootstrap = "CREATE ROLE " + ROLE + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                + "NOBYPASSRLS PASSWORD '" + password + "'\n"
                + "CREATE DATABASE " + DATABASE + " OWNER " + ROLE + " ENCODING 'UTF8' TEMPLATE template0\n"
                + "REVOKE ALL ON DATABASE " + DATABASE + " FROM PUBLIC\n";
        List<String> single = new ArrayList<>(privilegeWrapper());
        single.addAll(List.of(binaries.program("postgres").toString(), "--single", "-D", fresh.toString(),
                "-c", "exit_on_error=on", "-c", "password_encryption=scram-sha-256", "postgres"));
        ChildProcesses.Result bootstrapped = ChildProcesses.run(ChildProcesses.builder(single, Map.of()), bootstrap,
                Duration.ofMinutes(2));
        if (!bootstrapped.succeeded()) {
            throw new IllegalStateException("could not create the appliance's role in the embedded database: "
                    + bootstrapped.output().strip());
        }
        // The password first, then the cluster: a crash in between leaves no cluster, and the next start begins
        // again from nothing.
        PrivateFiles.write(credentials, password + "\n");
        Files.move(fresh, home.resolve("data"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireSameMajorVersion(Path data, PostgresBinaries binaries) throws IOException {
        int dataVersion = Integer.parseInt(Files.readString(data.resolve("PG_VERSION")).strip());
        if (dataVersion != binaries.majorVersion()) {
            throw new IllegalStateException("the embedded database in " + data + " was made by PostgreSQL "
                    + dataVersion + ", and this appliance runs PostgreSQL " + binaries.majorVersion() + "; "
                    + "upgrade it with pg_upgrade, or restore a backup into a new state directory");
        }
    }

    /**
     * A postmaster of this cluster that is still running belongs to an appliance that ended without stopping it
     * (one killed before the parent-death signal existed, or a library that survived it): stop it, since it holds
     * the cluster and the next start would fail. A postmaster.pid naming some other live process is stale.
     */
    static void stopLeftoverPostmaster(Path data) throws IOException {
        Path lockFile = data.resolve("postmaster.pid");
        Optional<ProcessHandle> process = lockHolder(lockFile);
        if (process.isEmpty()) {
            return; // PostgreSQL removes or reports a lock file whose process is gone or that is damaged
        }
        long pid = process.get().pid();
        List<String> lines = Files.readAllLines(lockFile, StandardCharsets.UTF_8);
        if (!isPostgres(pid) || lines.size() < 2 || !Path.of(lines.get(1).strip()).equals(data)) {
            LOG.log(System.Logger.Level.INFO, "removing the stale {0}: process {1,number,#} is not its PostgreSQL",
                    lockFile, pid);
            Files.delete(lockFile);
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "PostgreSQL (pid {0,number,#}) is still running on {1}, left by an "
                + "appliance that ended without stopping it; stopping it", pid, data);
        stopFast(process.get());
        try {
            if (process.get().onExit().completeOnTimeout(null, STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .get() == null) {
                process.get().destroyForcibly();
                process.get().onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping a leftover PostgreSQL", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot stop the leftover PostgreSQL (pid " + pid + ") on " + data
                    + "; stop it by hand (kill " + pid + ") and start again", e);
        }
    }

    /** The live process a postmaster.pid names, if the file is there, readable, and its process lives. */
    private static Optional<ProcessHandle> lockHolder(Path lockFile) throws IOException {
        if (!Files.exists(lockFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(lockFile, StandardCharsets.UTF_8).getFirst().strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The port of the PostgreSQL that a running appliance runs in {@code directory}, if one runs there: a backup
     * connects to it rather than starting a second server on the same cluster.
     */
    public static Optional<Integer> runningPort(Path directory) throws IOException {
        Path data = directory.toAbsolutePath().normalize().resolve("data");
        Path lockFile = data.resolve("postmaster.pid");
        Optional<ProcessHandle> process = lockHolder(lockFile);
        if (process.isEmpty() || !isPostgres(process.get().pid())) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(lockFile, StandardCharsets.UTF_8);
        // postmaster.pid: pid, data directory, start time, port, ...
        if (lines.size() < 4 || !Path.of(lines.get(1).strip()).equals(data)) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(lines.get(3).strip()));
    }

    /** The password of {@link #ROLE} for the cluster in {@code directory}. */
    public static String password(Path directory) throws IOException {
        return Files.readString(directory.resolve("credentials"), StandardCharsets.UTF_8).strip();
    }

    /** The JDBC URL of the appliance's database on a local port. */
    public static String jdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    private static boolean isPostgres(long pid) {
        try {
            String commandLine = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"),
                    StandardCharsets.UTF_8);
            String program = commandLine.split("\0", 2)[0];
            return program.equals("postgres") || program.endsWith("/postgres");
        } catch (IOException e) {
            return false;
        }
    }

    private static void writeClientAuthentication(Path home) {
        PrivateFiles.write(home.resolve("pg_hba.conf"), """
                # Written by the KMIP appliance at every start of its embedded PostgreSQL; changes here are lost.
                # One role may log in: the appliance's, from this machine, with its SCRAM password. No other role
                # (not the superuser) can log in, and there is no unix socket.
                host    %s    %s    127.0.0.1/32    scram-sha-256
                """.formatted(DATABASE, ROLE));
    }

    private static void rotateLog(Path log) throws IOException {
        if (Files.exists(log) && Files.size(log) > MAX_LOG_BYTES) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Whether setpriv can give PostgreSQL its parent-death signal here, found out once. Under the packaged unit it
     * cannot: setpriv applies capabilities with capset(2), which the unit's system-call filter refuses ("activate
     * capabilities: Operation not permitted"), and there systemd ends PostgreSQL with the service's control group
     * anyway.
     */
    private static final class ParentDeathSignal {
        static final boolean WORKS = setprivWorks();
    }

    private static boolean setprivWorks() {
        if (!ChildProcesses.onPath("setpriv")) {
            return false;
        }
        try {
            ChildProcesses.Result probe = ChildProcesses.run(ChildProcesses.builder(List.of("setpriv", "--pdeathsig",
                    "INT", "--", "true"), Map.of()), null, Duration.ofSeconds(10));
            if (!probe.succeeded()) {
                LOG.log(System.Logger.Level.INFO, "setpriv cannot run here ({0}); PostgreSQL starts without a "
                        + "parent-death signal, and the service manager ends it with the appliance",
                        probe.output().strip());
            }
            return probe.succeeded();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** As root, PostgreSQL runs in a user namespace of its own, where it is an unprivileged user. */
    private static List<String> privilegeWrapper() {
        return ChildProcesses.runningAsRoot() ? List.of("unshare", "--user", "--") : List.of();
    }

    /**
     * Asks a postmaster for a fast shutdown (SIGINT: sessions are ended, everything committed is kept). Java sends
     * only SIGTERM, PostgreSQL's "smart" shutdown that waits for every client to leave, so kill(1) sends it; where
     * there is no kill(1), SIGTERM it is.
     */
    private static void stopFast(ProcessHandle postmaster) {
        try {
            if (ChildProcesses.run(ChildProcesses.builder(List.of("kill", "-s", "INT",
                    Long.toString(postmaster.pid())), Map.of()), null, Duration.ofSeconds(10)).succeeded()) {
                return;
            }
        } catch (RuntimeException e) {
            // no kill(1) here
        }
        postmaster.destroy();
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    private static int waitForExit(Process process) {
        while (true) {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                // Nothing interrupts the supervisor on purpose: it ends when the server does.
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
