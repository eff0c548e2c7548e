package org.kmipappliance.hsm.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import javax.sql.DataSource;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * One database transaction that a thread's work joins whole: while a thread holds one, every connection custody
 * asks for on that thread is this transaction's, and a transaction custody starts there becomes a savepoint within
 * it (its commit releases the savepoint, its rollback returns to it). What the thread did is kept or undone
 * together when {@link CustodyDatabase#inOneTransaction} ends. Used for KMIP's Undo batch option, whose items must
 * all be undone when one fails.
 */
final class OneTransaction {
    private final Connection connection;

    private OneTransaction(Connection connection) {
        this.connection = connection;
    }

    static OneTransaction begin(DataSource dataSource) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(false);
            return new OneTransaction(connection);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * A view of the connection for one user of it (a statement, or a transaction of jOOQ's): to that user it looks
     * like a connection of its own in auto-commit mode, on which starting a transaction sets a savepoint and ending
     * it releases or returns to that savepoint; closing it leaves the connection open.
     */
    Connection joined() {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new Joined(connection));
    }

    /**
     * Commits, unless PostgreSQL has aborted the transaction (a statement failed outside any savepoint, and what ran
     * it went on): its COMMIT would then roll back without an error, and the work would pass for kept.
     */
    void commit() throws SQLException {
        try {
            if (connection.unwrap(BaseConnection.class).getTransactionState() == TransactionState.FAILED) {
                connection.rollback();
                throw new SQLException("a statement failed inside the transaction, so PostgreSQL aborted it; "
                        + "nothing was kept", "40000");
            }
            connection.commit();
        } finally {
            end();
        }
    }

    void rollback() throws SQLException {
        try {
            connection.rollback();
        } finally {
            end();
        }
    }

    private void end() throws SQLException {
        try {
            connection.setAutoCommit(true);
        } finally {
            connection.close();
        }
    }

    /** The savepoint standing for one user's transaction; JDBC's transaction calls are mapped onto it. */
    private static final class Joined implements InvocationHandler {
        private final Connection connection;
        private Savepoint transaction;

        Joined(Connection connection) {
            this.connection = connection;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            int arity = args == null ? 0 : args.length;
            switch (method.getName()) {
                case "getAutoCommit" -> {
                    return transaction == null;
                }
                case "setAutoCommit" -> {
                    if (!(Boolean) args[0]) {
                        if (transaction == null) {
                            transaction = connection.setSavepoint();
                        }
                    } else {
                        release(); // as JDBC's setAutoCommit(true) commits
                    }
                    return null;
                }
                case "commit" -> {
                    release();
                    return null;
                }
                case "rollback" -> {
                    if (arity == 0) {
                        if (transaction == null) {
                            throw new SQLException("no transaction to roll back: the statement ran in the joined "
                                    + "transaction, which only its owner ends");
                        }
                        connection.rollback(transaction);
                        release();
                        return null;
                    }
                }
                case "close" -> {
                    return null;
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "joined " + connection;
                }
                default -> {
                    // every other call is the connection's own
                }
            }
            try {
                return method.invoke(connection, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private void release() throws SQLException {
            if (transaction != null) {
                Savepoint ended = transaction;
                transaction = null;
                connection.releaseSavepoint(ended);
            }
        }
    }

    /** Custody's connections: the thread's {@link OneTransaction} while it holds one, else the pool's. */
    static final class Connections implements ConnectionProvider {
        private final DataSource dataSource;
        private final ThreadLocal<OneTransaction> held;

        Connections(DataSource dataSource, ThreadLocal<OneTransaction> held) {
            this.dataSource = dataSource;
            this.held = held;
        }

        @Override
        public Connection acquire() {
            OneTransaction transaction = held.get();
            if (transaction != null) {
                return transaction.joined();
            }
            try {
                return dataSource.getConnection();
            } catch (SQLException e) {
                throw new DataAccessException("cannot get a database connection: " + e.getMessage(), e);
            }
        }

        @Override
        public void release(Connection connection) {
            try {
                connection.close();
            } catch (SQLException e) {
                throw new DataAccessException("cannot return a database connection: " + e.getMessage(), e);
            }
        }
    }
}
