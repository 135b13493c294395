package io.litestream4j.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Routes an application's {@code PRAGMA wal_checkpoint} to the replicator of its database. Run by SQLite
 * beside a replicator, a checkpoint either waits for the replicator's read transaction (RESTART, TRUNCATE:
 * the application's writers stall until the busy timeout) or, had it no such reader to wait for, would
 * move frames into the database file that the replicator never copied, breaking the generation. Routed, the
 * replicator copies first and checkpoints itself ({@link DB#checkpoint(CheckpointMode, Duration)}). The answer is the
 * row SQLite gives ({@code busy, log, checkpointed}). Everything else goes to the connection untouched;
 * so does the pragma inside a transaction, for another schema, or while the database is not replicated.
 */
public final class CheckpointRouting {

	private static final Pattern CHECKPOINT_PRAGMA = Pattern.compile(
			"\\s*PRAGMA\\s+(?:(?:main|\"main\")\\s*\\.\\s*)?wal_checkpoint\\s*(?:\\(\\s*(\\w*)\\s*\\)|=\\s*(\\w+))?\\s*;?\\s*",
			Pattern.CASE_INSENSITIVE);

	private static final String RESULT_QUERY = "SELECT ? AS busy, ? AS log, ? AS checkpointed";

	private CheckpointRouting() {
	}

	/**
	 * The connection, with checkpoint pragmas routed to the database {@code replicator} supplies at the time
	 * (null or not running: SQLite checkpoints as usual).
	 */
	public static Connection wrap(Connection connection, Supplier<DB> replicator) {
		return proxy(Connection.class, new ConnectionHandler(connection, replicator));
	}

	/** The mode when {@code sql} is exactly one checkpoint pragma of the main database, else null. */
	static CheckpointMode checkpointMode(String sql) {
		if (sql == null || sql.length() > 200 || !containsIgnoreCase(sql, "wal_checkpoint")) {
			return null;
		}
		Matcher matcher = CHECKPOINT_PRAGMA.matcher(sql);
		if (!matcher.matches()) {
			return null;
		}
		return CheckpointMode.parse((matcher.group(1) != null) ? matcher.group(1) : matcher.group(2));
	}

	private static boolean containsIgnoreCase(String text, String word) {
		for (int i = 0; i + word.length() <= text.length(); i++) {
			if (text.regionMatches(true, i, word, 0, word.length())) {
				return true;
			}
		}
		return false;
	}

	@SuppressWarnings("unchecked")
	private static <T> T proxy(Class<T> type, InvocationHandler handler) {
		return (T) Proxy.newProxyInstance(CheckpointRouting.class.getClassLoader(), new Class<?>[] { type }, handler);
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/** Identity semantics for the proxy itself; null when {@code method} is not one of Object's. */
	private static Object objectMethod(Object proxy, Object target, Method method, Object[] args) {
		return switch (method.getName()) {
			case "equals" -> (args != null && args.length == 1) ? proxy == args[0] : null;
			case "hashCode" -> (args == null) ? System.identityHashCode(proxy) : null;
			case "toString" -> (args == null) ? "CheckpointRouting[" + target + "]" : null;
			default -> null;
		};
	}

	private static final class ConnectionHandler implements InvocationHandler {

		private final Connection connection;

		private final Supplier<DB> replicator;

		ConnectionHandler(Connection connection, Supplier<DB> replicator) {
			this.connection = connection;
			this.replicator = replicator;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			Object own = objectMethod(proxy, connection, method, args);
			if (own != null) {
				return own;
			}
			String name = method.getName();
			if (name.equals("createStatement")) {
				Statement statement = (Statement) CheckpointRouting.invoke(connection, method, args);
				return proxy(Statement.class, new StatementHandler(statement, (Connection) proxy, this));
			}
			if (name.equals("prepareStatement") && args != null && args[0] instanceof String sql) {
				CheckpointMode mode = checkpointMode(sql);
				if (mode != null) {
					PreparedStatement result = connection.prepareStatement(RESULT_QUERY);
					return proxy(PreparedStatement.class, new PreparedCheckpointHandler(result, (Connection) proxy, this, mode, sql));
				}
			}
			return CheckpointRouting.invoke(connection, method, args);
		}

		/** The replicator to route to, or null when SQLite should run the pragma itself. */
		DB target() throws SQLException {
			DB db = replicator.get();
			if (db == null || !db.isRunning() || !connection.getAutoCommit()) {
				return null;
			}
			return db;
		}

		/** Checkpoints through {@code db}, waiting as long as SQLite would have for this connection. */
		CheckpointResult checkpoint(DB db, CheckpointMode mode) throws SQLException {
			long busyTimeoutMillis;
			try (Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("PRAGMA busy_timeout")) {
				busyTimeoutMillis = rs.next() ? rs.getLong(1) : 0;
			}
			return db.checkpoint(mode, Duration.ofMillis(Math.max(busyTimeoutMillis, 0)));
		}

	}

	/** A statement of a routing connection: answers getConnection with that connection's proxy. */
	private abstract static class StatementHandlerBase implements InvocationHandler {

		final Statement target;

		final Connection connectionProxy;

		final ConnectionHandler connection;

		StatementHandlerBase(Statement target, Connection connectionProxy, ConnectionHandler connection) {
			this.target = target;
			this.connectionProxy = connectionProxy;
			this.connection = connection;
		}

		@Override
		public final Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			Object own = objectMethod(proxy, target, method, args);
			if (own != null) {
				return own;
			}
			if (method.getName().equals("getConnection")) {
				return connectionProxy;
			}
			return invokeStatement(method, args);
		}

		abstract Object invokeStatement(Method method, Object[] args) throws Throwable;

	}

	private static final class StatementHandler extends StatementHandlerBase {

		StatementHandler(Statement statement, Connection connectionProxy, ConnectionHandler connection) {
			super(statement, connectionProxy, connection);
		}

		@Override
		Object invokeStatement(Method method, Object[] args) throws Throwable {
			String name = method.getName();
			if (name.startsWith("execute") && args != null && args.length >= 1 && args[0] instanceof String sql) {
				CheckpointMode mode = checkpointMode(sql);
				DB db = (mode != null) ? connection.target() : null;
				if (db != null) {
					return executeRouted(name, connection.checkpoint(db, mode));
				}
			}
			return CheckpointRouting.invoke(target, method, args);
		}

		private Object executeRouted(String name, CheckpointResult result) throws SQLException {
			String answer = "SELECT " + (result.busy() ? 1 : 0) + " AS busy, " + result.log() + " AS log, "
					+ result.checkpointed() + " AS checkpointed";
			return switch (name) {
				case "executeQuery" -> target.executeQuery(answer);
				case "execute" -> target.execute(answer);
				case "executeUpdate" -> 0;
				case "executeLargeUpdate" -> 0L;
				default -> throw new SQLException(name + " cannot run PRAGMA wal_checkpoint");
			};
		}

	}

	/** A prepared checkpoint pragma: each execution is routed, the answer read from a prepared SELECT. */
	private static final class PreparedCheckpointHandler extends StatementHandlerBase {

		private final PreparedStatement answer;

		private final CheckpointMode mode;

		private final String sql;

		PreparedCheckpointHandler(PreparedStatement answer, Connection connectionProxy, ConnectionHandler connection,
				CheckpointMode mode, String sql) {
			super(answer, connectionProxy, connection);
			this.answer = answer;
			this.mode = mode;
			this.sql = sql;
		}

		@Override
		Object invokeStatement(Method method, Object[] args) throws Throwable {
			String name = method.getName();
			if ((name.equals("execute") || name.equals("executeQuery")) && (args == null || args.length == 0)) {
				CheckpointResult result = run();
				answer.setInt(1, result.busy() ? 1 : 0);
				answer.setLong(2, result.log());
				answer.setLong(3, result.checkpointed());
			}
			return CheckpointRouting.invoke(answer, method, args);
		}

		private CheckpointResult run() throws SQLException {
			DB db = connection.target();
			if (db != null) {
				return connection.checkpoint(db, mode);
			}
			try (Statement direct = connection.connection.createStatement();
					ResultSet rs = direct.executeQuery(sql)) {
				if (!rs.next()) {
					return CheckpointResult.BUSY;
				}
				return new CheckpointResult(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
			}
		}

	}

}
