package io.litestream4j.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@link ExternalSql} in a separate JVM: a writer that is not this process, like the sqlite3 CLI. */
public final class ExternalProcess {

	private ExternalProcess() {
	}

	/** Executes the statements against the database from another process; fails on a non-zero exit. */
	public static void runSql(Path db, String... statements) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(ExternalSql.class.getName());
		command.add(db.toAbsolutePath().toString());
		command.addAll(List.of(statements));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IOException("external sql process timed out");
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.exitValue() != 0) {
			throw new IOException("external sql process failed (" + process.exitValue() + "): " + output);
		}
	}

}
