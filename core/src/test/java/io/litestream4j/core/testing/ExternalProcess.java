package io.litestream4j.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs test main classes in a separate JVM: a writer that is not this process, or a JVM with a small heap. */
public final class ExternalProcess {

	private ExternalProcess() {
	}

	/** Executes the statements against the database from another process; fails on a non-zero exit. */
	public static void runSql(Path db, String... statements) throws IOException, InterruptedException {
		List<String> args = new ArrayList<>();
		args.add(db.toAbsolutePath().toString());
		args.addAll(List.of(statements));
		runMain(ExternalSql.class, List.of(), args);
	}

	/** Runs {@code mainClass} with this test's class path; returns its output, fails on a non-zero exit. */
	public static String runMain(Class<?> mainClass, List<String> jvmOptions, List<String> args)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(mainClass.getName());
		command.addAll(args);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		if (!process.waitFor(120, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IOException(mainClass.getSimpleName() + " process timed out");
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.exitValue() != 0) {
			throw new IOException(mainClass.getSimpleName() + " process failed (" + process.exitValue() + "): " + output);
		}
		return output;
	}

}
