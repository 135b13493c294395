package io.litestream4j.core.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Helpers for tests: opening databases like an application does, and comparing their content. */
public final class TestDatabases {

	private TestDatabases() {
	}

	/** A connection as an application's pool would open it: WAL mode, a busy timeout. */
	public static Connection appConnection(Path db) throws SQLException {
		Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
		try (Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA busy_timeout = 10000");
			statement.execute("PRAGMA journal_mode = wal");
		}
		return connection;
	}

	/**
	 * SHA-256 over a canonical dump of every user table (schema and rows in rowid order); the engine's
	 * own {@code _litestream_*} tables are left out, as their counter moves with checkpoints.
	 */
	public static String contentDigest(Path db) throws SQLException {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath() + "?open_mode=1")) {
			MessageDigest digest = sha256();
			List<String> tables = new ArrayList<>();
			try (Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT name, sql FROM sqlite_master WHERE type IN ('table','index') "
							+ "AND name NOT LIKE '_litestream_%' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
				while (rs.next()) {
					digest.update((rs.getString(1) + ":" + rs.getString(2) + "\n").getBytes(StandardCharsets.UTF_8));
					if (rs.getString(2) != null && rs.getString(2).toUpperCase().startsWith("CREATE TABLE")) {
						tables.add(rs.getString(1));
					}
				}
			}
			for (String table : tables) {
				try (Statement statement = connection.createStatement();
						ResultSet rs = statement.executeQuery("SELECT rowid, * FROM \"" + table + "\" ORDER BY rowid")) {
					ResultSetMetaData meta = rs.getMetaData();
					while (rs.next()) {
						for (int i = 1; i <= meta.getColumnCount(); i++) {
							byte[] value = rs.getBytes(i);
							digest.update(value == null ? new byte[] { 0 } : value);
							digest.update((byte) '|');
						}
						digest.update((byte) '\n');
					}
				}
			}
			return HexFormat.of().formatHex(digest.digest());
		}
	}

	public static String integrityCheck(Path db) throws SQLException {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("PRAGMA integrity_check")) {
			rs.next();
			return rs.getString(1);
		}
	}

	public static long count(Path db, String table) throws SQLException {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
			rs.next();
			return rs.getLong(1);
		}
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
