package org.kmipappliance.hsm.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * A statement of the KMIP request path, built with jOOQ from the generated schema (so a renamed column still fails
 * the build) but rendered once, here, and then run through JDBC with its parameters bound by position.
 *
 * <p>Why: rendering SQL and building records for every statement was 35 % of the appliance's CPU on a Get and 46 %
 * on a Create (docs/benchmarks/kmip-bench.md). The text being the same every time also lets the PostgreSQL driver
 * keep each statement prepared on the server, per pooled connection, after its fifth use. Statements are timed
 * into the same metric, by the same kinds, as those jOOQ runs.
 */
public final class PreparedSql {
    /** Reads one row of a result. */
    @FunctionalInterface
    public interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    private final String sql;
    private final int parameters;
    private final String kind;
    private final Metrics metrics;

    PreparedSql(DSLContext dsl, Query query, Metrics metrics) {
        this.sql = dsl.render(query);
        this.parameters = dsl.extractBindValues(query).size();
        this.kind = query instanceof Select<?> ? "read" : "write";
        this.metrics = metrics;
    }

    /** The single row the statement reads with {@code values} bound, if any; more than one is a bug. */
    public <T> Optional<T> fetchOptional(DSLContext context, RowReader<T> reader, Object... values) {
        List<T> rows = fetch(context, reader, values);
        if (rows.size() > 1) {
            throw new IllegalStateException("expected at most one row, read " + rows.size() + " from: " + sql);
        }
        return rows.stream().findFirst();
    }

    /** Every row the statement reads with {@code values} bound. */
    public <T> List<T> fetch(DSLContext context, RowReader<T> reader, Object... values) {
        return run(context, kind, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                bind(statement, values);
                try (ResultSet result = statement.executeQuery()) {
                    List<T> rows = new ArrayList<>();
                    while (result.next()) {
                        rows.add(reader.read(result));
                    }
                    return rows;
                }
            }
        });
    }

    /** Runs the statement once with {@code values} bound; returns the rows it changed. */
    public int execute(DSLContext context, Object... values) {
        return run(context, kind, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                bind(statement, values);
                return statement.executeUpdate();
            }
        });
    }

    /** Runs the statement once per element of {@code rows}, each the values to bind, in one round trip. */
    public void executeBatch(DSLContext context, List<Object[]> rows) {
        if (rows.size() == 1) {
            execute(context, rows.getFirst());
            return;
        }
        run(context, "batch", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (Object[] values : rows) {
                    bind(statement, values);
                    statement.addBatch();
                }
                return statement.executeBatch();
            }
        });
    }

    /**
     * A record of {@code table} from the columns of {@code row} that start at {@code firstColumn} (1-based) and
     * follow in the order of {@code table.fields()}, as a statement selecting {@code table.fields()} reads them.
     */
    public static <R extends Record> R read(DSLContext context, Table<R> table, ResultSet row, int firstColumn)
            throws SQLException {
        R record = context.newRecord(table);
        Field<?>[] fields = table.fields();
        for (int i = 0; i < fields.length; i++) {
            set(record, fields[i], fields[i].getType() == OffsetDateTime.class
                    ? row.getObject(firstColumn + i, OffsetDateTime.class) : row.getObject(firstColumn + i));
        }
        record.changed(false);
        return record;
    }

    private static <T> void set(Record record, Field<T> field, Object value) {
        record.set(field, field.getDataType().convert(value));
    }

    private void bind(PreparedStatement statement, Object[] values) throws SQLException {
        if (values.length != parameters) {
            throw new IllegalArgumentException(values.length + " values for " + parameters + " parameters of: " + sql);
        }
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 1, values[i]);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    /** On the connection of {@code context}: its transaction's, or one from the pool for this statement alone. */
    private <T> T run(DSLContext context, String timedKind, Work<T> work) {
        long started = System.nanoTime();
        try {
            return context.connectionResult(connection -> {
                try {
                    return work.on(connection);
                } catch (SQLException e) {
                    // Like jOOQ's own: the statement's text, never its values (which may be client data).
                    throw new DataAccessException("SQL [" + sql + "]; " + e.getMessage(), e);
                }
            });
        } finally {
            metrics.observe(CustodyDatabase.STATEMENT_SECONDS, CustodyDatabase.STATEMENT_SECONDS_HELP,
                    (System.nanoTime() - started) / 1e9, "kind", timedKind);
        }
    }

    @Override
    public String toString() {
        return sql;
    }
}
