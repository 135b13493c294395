package io.litestream4j.core;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** Small JDBC helpers for the engine's own SQLite connections (xerial sqlite-jdbc). */
final class Sqlite {

	private Sqlite() {
	}

	static Connection open(Path file, Duration busyTimeout) throws SQLException {
		Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
		exec(connection, "PRAGMA busy_timeout = " + busyTimeout.toMillis());
		return connection;
	}

	static void exec(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	static String queryString(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			return rs.next() ? rs.getString(1) : null;
		}
	}

	static long[] queryLongs(Connection connection, String sql, int columns) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			long[] values = new long[columns];
			if (rs.next()) {
				for (int i = 0; i < columns; i++) {
					values[i] = rs.getLong(i + 1);
				}
			}
			return values;
		}
	}

	static void closeQuietly(Connection connection) {
		if (connection != null) {
			try {
				connection.close();
			}
			catch (SQLException ignored) {
				// closing is best effort; the connection is dropped either way
			}
		}
	}

}
