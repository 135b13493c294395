package io.litestream4j.autoconfigure;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** Run in a separate JVM by tests: commits one statement to a SQLite database, as another process would. */
public final class ExternalWriter {

	private ExternalWriter() {
	}

	public static void main(String[] args) throws Exception {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
				Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA busy_timeout = 5000");
			statement.execute(args[1]);
		}
	}

	/** Runs {@link #main} in a new JVM with this test's class path and waits for it. */
	static void write(java.nio.file.Path db, String sql) throws Exception {
		Process process = new ProcessBuilder(
				java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), ExternalWriter.class.getName(), db.toString(), sql)
			.inheritIO()
			.start();
		if (process.waitFor() != 0) {
			throw new IllegalStateException("external writer failed with exit code " + process.exitValue());
		}
	}

}
