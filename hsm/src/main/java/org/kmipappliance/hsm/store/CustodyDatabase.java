package org.kmipappliance.hsm.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * The custody records in PostgreSQL: a connection pool, the schema brought up to date by Flyway on start, and a
 * jOOQ context for the repositories.
 */
public final class CustodyDatabase implements AutoCloseable {
    static {
        // jOOQ prints a banner and tips on first use; an appliance log is no place for them.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    /** This node, as its database sessions name it: host and process id. */
    public static final String NODE_NAME = nodeName();

    /** How long a request waits for a database connection before it fails as "database unavailable". */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    static final String STATEMENT_SECONDS = "kmip_appliance_database_statement_seconds";
    static final String STATEMENT_SECONDS_HELP = "Time database statements take, by kind";

    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private final Metrics metrics;
    /** The transaction this thread's work joins whole, if it is in {@link #inOneTransaction}. */
    private final ThreadLocal<OneTransaction> held = new ThreadLocal<>();
    /**
     * Whole-batch transactions hold their connection until they end; at most half the pool may be so held, so that
     * a client sending long ones cannot starve everyone else's requests of connections.
     */
    private final Semaphore wholeTransactions;

    private CustodyDatabase(HikariDataSource dataSource, Metrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.wholeTransactions = new Semaphore(Math.max(1, dataSource.getMaximumPoolSize() / 2));
        DefaultConfiguration configuration = new DefaultConfiguration();
        configuration.set(new OneTransaction.Connections(dataSource, held));
        configuration.set(SQLDialect.POSTGRES);
        configuration.set(new Settings().withExecuteLogging(false));
        configuration.set(new StatementTimer(metrics));
        this.dsl = DSL.using(configuration);
    }

    /** Connects, migrates the schema and returns the ready database. */
    public static CustodyDatabase connect(String jdbcUrl, String user, String password, int maxConnections) {
        return connect(jdbcUrl, user, password, maxConnections, new Metrics());
    }

    /** The same, with every statement timed into {@code metrics}. */
    public static CustodyDatabase connect(String jdbcUrl, String user, String password, int maxConnections,
                                          Metrics metrics) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(maxConnections);
        config.setPoolName("custody");
        // Which node a session belongs to, as pg_stat_activity shows it to an operator of a shared database.
        config.addDataSourceProperty("ApplicationName", NODE_NAME);
        // A request that cannot get a connection soon fails soon ("try again"): a client such as vCenter waits on
        // its KMIP answer, and Hikari's default would hold it 30 s while the database restarts.
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            poolGauges(dataSource, maxConnections, metrics);
            return new CustodyDatabase(dataSource, metrics);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    private static void poolGauges(HikariDataSource dataSource, int maxConnections, Metrics metrics) {
        metrics.gauge("kmip_appliance_database_connections_max", "Connections the pool may open "
                + "(database.max-connections)", () -> maxConnections);
        metrics.gauge("kmip_appliance_database_connections_active", "Pool connections in use now",
                () -> dataSource.getHikariPoolMXBean().getActiveConnections());
        metrics.gauge("kmip_appliance_database_connections_idle", "Pool connections open and idle",
                () -> dataSource.getHikariPoolMXBean().getIdleConnections());
        metrics.gauge("kmip_appliance_database_connections_waiting", "Requests waiting for a pool connection",
                () -> dataSource.getHikariPoolMXBean().getThreadsAwaitingConnection());
    }

    /** Times each statement by its kind (read, write, ...). */
    private static final class StatementTimer implements ExecuteListener {
        private final Metrics metrics;

        StatementTimer(Metrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void executeStart(ExecuteContext context) {
            context.data("started", System.nanoTime());
        }

        @Override
        public void executeEnd(ExecuteContext context) {
            if (context.data("started") instanceof Long started) {
                metrics.observe(STATEMENT_SECONDS, STATEMENT_SECONDS_HELP, (System.nanoTime() - started) / 1e9,
                        "kind", context.type().name().toLowerCase(Locale.ROOT));
            }
        }
    }

    /**
     * A statement of the request path, rendered now and run through JDBC from then on (see {@link PreparedSql});
     * {@code query} holds a parameter ({@code DSL.param(Class)}) where each value will be bound.
     */
    public PreparedSql prepare(Query query) {
        return new PreparedSql(dsl, query, metrics);
    }

    /** The appliance's metrics, which this database's statements are timed into. */
    public Metrics metrics() {
        return metrics;
    }

    /**
     * A connection of its own, outside the pool, for what must live on one session and end with it: advisory locks
     * held while a job runs (released by PostgreSQL if this node dies), LISTEN. The caller closes it.
     */
    public Connection openSession() throws SQLException {
        Properties login = new Properties();
        login.setProperty("user", dataSource.getUsername());
        login.setProperty("password", dataSource.getPassword());
        login.setProperty("ApplicationName", NODE_NAME);
        login.setProperty("connectTimeout", Long.toString(CONNECTION_TIMEOUT.toSeconds()));
        return new org.postgresql.Driver().connect(dataSource.getJdbcUrl(), login);
    }

    private static String nodeName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return "kmip-appliance " + host + " pid " + ProcessHandle.current().pid();
    }

    /**
     * What in the database's settings would let it acknowledge a commit that a power cut can still lose: an
     * operator of an external PostgreSQL must keep fsync and synchronous_commit on (remote_apply or on with
     * synchronous replication). Empty when the settings are safe.
     */
    public List<String> durabilityWarnings() {
        List<String> warnings = new ArrayList<>();
        String fsync = dsl.fetchValue("SHOW fsync").toString();
        if (!"on".equals(fsync)) {
            warnings.add("fsync is " + fsync + ": a power cut can lose acknowledged keys or corrupt the database; "
                    + "set fsync = on");
        }
        String commit = dsl.fetchValue("SHOW synchronous_commit").toString();
        if (!List.of("on", "remote_write", "remote_apply").contains(commit)) {
            warnings.add("synchronous_commit is " + commit + ": a key can be acknowledged before it is on disk; set "
                    + "synchronous_commit = on");
        }
        return warnings;
    }

    /**
     * Runs {@code work} in one transaction on this thread: every statement custody runs on this thread meanwhile
     * joins it, each transaction custody starts becomes a savepoint within it, and nothing is visible to others
     * until the end. At most half the pool's connections are held by such transactions at once; beyond, a caller
     * waits as long as for any connection, then fails as the database being unavailable. Commits when
     * {@code keep} accepts the result; rolls everything back when it does not or when {@code work} throws (which is
     * then rethrown). A failed commit throws: then nothing was kept. Work written for
     * concurrent callers' shared commits ({@code GroupCommit}) writes alone inside it, see
     * {@link #inOneTransaction()}.
     */
    public <T> T inOneTransaction(Supplier<T> work, Predicate<T> keep) {
        if (held.get() != null) {
            throw new IllegalStateException("this thread is already in one transaction");
        }
        try {
            if (!wholeTransactions.tryAcquire(CONNECTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new DataAccessException("no connection for a whole-batch transaction", new
                        SQLTransientConnectionException("half the pool is held by whole-batch transactions"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataAccessException("interrupted waiting for a connection", e);
        }
        try {
            return inOneTransactionHeld(work, keep);
        } finally {
            wholeTransactions.release();
        }
    }

    private <T> T inOneTransactionHeld(Supplier<T> work, Predicate<T> keep) {
        OneTransaction transaction;
        try {
            transaction = OneTransaction.begin(dataSource);
        } catch (SQLException e) {
            throw new DataAccessException("cannot begin a transaction: " + e.getMessage(), e);
        }
        held.set(transaction);
        T result;
        boolean kept;
        try {
            result = work.get();
            kept = keep.test(result);
        } catch (RuntimeException | Error e) {
            held.remove();
            try {
                transaction.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
        held.remove();
        try {
            if (kept) {
                transaction.commit();
            } else {
                transaction.rollback();
            }
        } catch (SQLException e) {
            throw new DataAccessException("the transaction could not be ended: " + e.getMessage(), e);
        }
        return result;
    }

    /** Whether this thread is within {@link #inOneTransaction(Supplier, Predicate)}. */
    public boolean inOneTransaction() {
        return held.get() != null;
    }

    /** Whether the database answers; for health checks. */
    public boolean isReachable() {
        try {
            return dsl.selectOne().fetchOne() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public DSLContext dsl() {
        return dsl;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
