package io.litestream4j.bench;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Random;

/**
 * The application under load, run as its own process: inserts 500-byte rows, each carrying a marker
 * {@code <c00000042>} that the watcher finds in uploaded WAL pages. Modes: {@code poisson:<meanMs>},
 * {@code rate:<txPerSecond>}, {@code full}, and {@code truncate-rate:<txPerSecond>}: the application also
 * runs {@code PRAGMA wal_checkpoint(TRUNCATE)} every 5 s on its own connection. Writes "commitNumber
 * epochMillis" per commit to the log, and at the end the number of commits, the time spent in commits and
 * the time spent in those checkpoints, and this process's CPU time during the load and resident memory at
 * its end.
 */
public final class Writer {

	private Writer() {
	}

	public static void main(String[] args) throws Exception {
		Path db = Path.of(args[0]);
		String mode = args[1];
		long durationMillis = Long.parseLong(args[2]);
		Path log = Path.of(args[3]);
		int startAt = args.length > 4 ? Integer.parseInt(args[4]) : 0;
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db)) {
			run(connection, mode, durationMillis, log, startAt);
		}
	}

	/** Runs the load on {@code connection} (the application's, possibly wrapped). */
	static void run(Connection connection, String mode, long durationMillis, Path log, int startAt) throws Exception {
		Random random = new Random(startAt + 11);
		try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("PRAGMA busy_timeout = 5000");
				statement.execute("PRAGMA journal_mode = wal");
				statement.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)");
			}
			long cpuAtStart = processCpuNanos();
			long started = System.nanoTime();
			long end = started + durationMillis * 1_000_000;
			long next = started;
			long commitNanos = 0;
			boolean truncating = mode.startsWith("truncate-");
			if (truncating) {
				mode = mode.substring("truncate-".length());
			}
			long nextCheckpoint = started + 5_000_000_000L;
			long checkpointNanos = 0;
			int n = startAt;
			try (PreparedStatement insert = connection.prepareStatement("INSERT INTO rows (body) VALUES (?)")) {
				while (System.nanoTime() < end) {
					if (!mode.equals("full")) {
						long wait = next - System.nanoTime();
						if (wait > 0) {
							Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
						}
						if (mode.startsWith("poisson:")) {
							double mean = Double.parseDouble(mode.substring(8)) * 1_000_000;
							next += (long) (-Math.log(1 - random.nextDouble()) * mean);
						}
						else {
							next += 1_000_000_000L / Long.parseLong(mode.substring(5));
						}
						if (System.nanoTime() >= end) {
							break;
						}
					}
					if (truncating && System.nanoTime() >= nextCheckpoint) {
						long c0 = System.nanoTime();
						try (Statement statement = connection.createStatement()) {
							statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
						}
						checkpointNanos += System.nanoTime() - c0;
						nextCheckpoint += 5_000_000_000L;
					}
					String marker = String.format("<c%08d>", n);
					StringBuilder body = new StringBuilder(marker);
					while (body.length() < 500) {
						body.append((char) ('a' + random.nextInt(26)));
					}
					long t0 = System.nanoTime();
					insert.setString(1, body.toString());
					insert.executeUpdate();
					commitNanos += System.nanoTime() - t0;
					out.println(n + " " + System.currentTimeMillis());
					n++;
				}
			}
			double seconds = (System.nanoTime() - started) / 1e9;
			out.println("# commits=" + (n - startAt) + " seconds=" + seconds + " commitSeconds=" + commitNanos / 1e9
					+ " checkpointSeconds=" + checkpointNanos / 1e9 + " cpuSeconds=" + (processCpuNanos() - cpuAtStart) / 1e9
					+ " rssKb=" + rssKb());
		}
	}

	/** CPU time of this whole process (every thread: the application, a replicator inside it, JIT, GC). */
	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
	}

	private static long rssKb() throws java.io.IOException {
		for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("[^0-9]", ""));
			}
		}
		return 0;
	}

}
