package io.litestream4j.core.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.litestream4j.core.testing.S3ProxyServer;

/** A {@link FaultWriter} JVM started by a test, with its output parsed into status lines. */
final class WriterProcess implements AutoCloseable {

	/** One {@code STATUS} line of the writer. */
	record Status(long at, String generation, String replicaGeneration, long lagMs, long okAt, long errors,
			long generationChanges) {

		static Status parse(String line) {
			String[] parts = line.split(" ");
			return new Status(Long.parseLong(parts[1]), value(parts[2]), value(parts[3]), Long.parseLong(value(parts[4])),
					Long.parseLong(value(parts[5])), Long.parseLong(value(parts[6])), Long.parseLong(value(parts[7])));
		}

		/** The replica's position is known from the store and it holds the current generation. */
		boolean replicating() {
			return !"null".equals(replicaGeneration) && replicaGeneration.equals(generation);
		}

		private static String value(String part) {
			return part.substring(part.indexOf('=') + 1);
		}

	}

	private final Process process;

	private final long startedAt;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private final List<Status> statuses = new CopyOnWriteArrayList<>();

	private final CountDownLatch outputDone = new CountDownLatch(1);

	private WriterProcess(Process process, long startedAt, Path output) {
		this.process = process;
		this.startedAt = startedAt;
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
					PrintWriter log = new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8,
							StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
				String line;
				while ((line = in.readLine()) != null) {
					if (line.startsWith("STATUS ")) {
						statuses.add(Status.parse(line));
					}
					else {
						lines.add(line);
						log.println(line);
						log.flush();
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				lines.add("READER-ERROR " + ex);
			}
			finally {
				outputDone.countDown();
			}
		}, "writer-output");
		reader.setDaemon(true);
		reader.start();
	}

	static WriterProcess start(Path db, Path acks, S3ProxyServer s3, String path, String... extra) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		// Small and single-threaded GC: the machine is shared.
		command.add("-Xmx256m");
		command.add("-XX:+UseSerialGC");
		command.add("-XX:TieredStopAtLevel=1");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(FaultWriter.class.getName());
		command.add("db=" + db);
		command.add("acks=" + acks);
		command.add("endpoint=" + s3.endpoint());
		command.add("bucket=" + s3.bucket());
		command.add("path=" + path);
		command.addAll(List.of(extra));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
		builder.environment().put("AWS_REGION", S3ProxyServer.REGION);
		long startedAt = System.currentTimeMillis();
		return new WriterProcess(builder.start(), startedAt, db.resolveSibling("writer-output.log"));
	}

	long startedAt() {
		return startedAt;
	}

	long pid() {
		return process.pid();
	}

	List<Status> statuses() {
		return statuses;
	}

	Status lastStatus() {
		return statuses.isEmpty() ? null : statuses.get(statuses.size() - 1);
	}

	List<String> lines() {
		return lines;
	}

	/** Waits for a status line matching {@code condition}; fails naming {@code what} and the output. */
	Status awaitStatus(String what, Predicate<Status> condition, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		int seen = 0;
		while (System.nanoTime() < deadline) {
			List<Status> all = statuses;
			for (int i = seen; i < all.size(); i++) {
				if (condition.test(all.get(i))) {
					return all.get(i);
				}
			}
			seen = all.size();
			if (!process.isAlive()) {
				throw new AssertionError("writer exited (" + process.exitValue() + ") before " + what + ": " + lines);
			}
			Thread.sleep(50);
		}
		throw new AssertionError("timed out waiting for " + what + "; last status " + lastStatus() + ", output " + lines);
	}

	/** kill -9. */
	void kill() throws InterruptedException {
		process.toHandle().destroyForcibly();
		process.waitFor(30, TimeUnit.SECONDS);
	}

	/** SIGTERM, then waits for the graceful stop; returns the exit code. */
	int terminate(Duration timeout) throws InterruptedException {
		// The handle's destroy sends SIGTERM without closing our end of the pipes (Process.destroy would),
		// so the writer's last lines are still read.
		process.toHandle().destroy();
		if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("writer did not stop within " + timeout + " after SIGTERM: " + lines);
		}
		awaitOutputDrained();
		return process.exitValue();
	}

	private void awaitOutputDrained() throws InterruptedException {
		outputDone.await(10, TimeUnit.SECONDS);
	}

	@Override
	public void close() throws InterruptedException {
		if (process.isAlive()) {
			process.destroyForcibly();
			process.waitFor(30, TimeUnit.SECONDS);
		}
	}

}
