package io.litestream4j.core.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Main class run in another JVM by {@link ExternalProcess}: executes each argument after the db path. */
public final class ExternalSql {

	private ExternalSql() {
	}

	public static void main(String[] args) throws Exception {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
				Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA busy_timeout = 10000");
			for (int i = 1; i < args.length; i++) {
				if (statement.execute(args[i])) {
					try (ResultSet rs = statement.getResultSet()) {
						while (rs.next()) {
							System.out.println(rs.getString(1));
						}
					}
				}
			}
		}
	}

}
