package io.litestream4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreOptions.IntegrityCheck;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.testing.S3ProxyServer;

/**
 * litestream4j against Litestream v0.3.13, same workloads, same S3Proxy, one after the other. Every
 * replicator and writer is its own process. Prints a Markdown table with both and their ratio.
 * Options: {@code --quick} (short runs), {@code --minutes N} (sporadic load length, default 10),
 * {@code --only restore} (just (d) and (e), the latter from a 30 s replica made for it).
 */
public final class Benchmark {

	private static final String JVM_FLAGS = "-Xmx128m -XX:+UseSerialGC";

	/** 200 tx/s, and {@code wal_checkpoint(TRUNCATE)} every 5 s on the application's own connection. */
	private static final String TRUNCATING = "truncate-rate:200";

	private final Path work;

	private final Path jar;

	private final Path litestream;

	private final S3ProxyServer s3;

	private final boolean quick;

	private final List<String[]> rows = new ArrayList<>();

	/** Litestream's figures for b), which the in-application cost is compared with. */
	private LagResult steadyLitestream;

	private Benchmark(Path work, Path jar, Path litestream, S3ProxyServer s3, boolean quick) {
		this.work = work;
		this.jar = jar;
		this.litestream = litestream;
		this.s3 = s3;
		this.quick = quick;
	}

	public static void main(String[] args) throws Exception {
		boolean quick = Arrays.asList(args).contains("--quick");
		int minutes = quick ? 2 : 10;
		List<String> only = List.of("lag", "throughput", "truncate", "restore");
		for (int i = 0; i < args.length - 1; i++) {
			if (args[i].equals("--minutes")) {
				minutes = Integer.parseInt(args[i + 1]);
			}
			if (args[i].equals("--only")) {
				only = List.of(args[i + 1].split(","));
			}
		}
		Path jar = Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0]).toAbsolutePath();
		Path litestream = Path.of(System.getProperty("litestream.binary",
				".tools/litestream/node_modules/@flydotio/litestream-linux-x64/litestream")).toAbsolutePath();
		if (!Files.isExecutable(litestream)) {
			throw new IllegalStateException("litestream binary not found at " + litestream + " (run ./mvnw validate with npm)");
		}
		if (System.getProperty("s3proxy.jar") == null) {
			System.setProperty("s3proxy.jar", Path.of(".tools/s3proxy-3.0.0-jar-with-dependencies.jar").toAbsolutePath().toString());
		}
		Path work = Files.createTempDirectory("litestream4j-bench");
		try (S3ProxyServer s3 = new S3ProxyServer("bench")) {
			s3.start();
			Benchmark bench = new Benchmark(work, jar, litestream, s3, quick);
			bench.run(minutes, only);
		}
	}

	/**
	 * Runs the scenario groups named in {@code only}: lag (= sporadic, steady, fast), throughput, truncate,
	 * restore.
	 */
	private void run(int sporadicMinutes, List<String> only) throws Exception {
		int steadySeconds = quick ? 30 : 60;
		int runs = quick ? 1 : 3;
		System.out.printf("machine: %d cores, %s; quick=%s%n", Runtime.getRuntime().availableProcessors(),
				System.getProperty("os.name"), quick);
		String fastPrefix = null;
		if (only.contains("lag") || only.contains("sporadic")) {
			lagScenario("a) sporadic, Poisson 1 commit / 5 s, " + sporadicMinutes + " min, sync 1s", "poisson:5000",
					sporadicMinutes * 60_000L, 1000, 1);
		}
		if (only.contains("lag") || only.contains("steady")) {
			lagScenario("b) steady 200 tx/s, " + steadySeconds + " s, sync 1s", "rate:200", steadySeconds * 1000L, 1000,
					runs);
		}
		if (only.contains("lag") || only.contains("fast")) {
			fastPrefix = lagScenario("c) steady 200 tx/s, " + steadySeconds + " s, sync 100ms", "rate:200",
					steadySeconds * 1000L, 100, runs);
		}
		if (only.contains("cost") || only.contains("lag") || only.contains("steady")) {
			applicationCost(steadySeconds, runs);
		}
		if (only.contains("throughput")) {
			throughput(runs);
		}
		if (only.contains("truncate")) {
			truncatingApplication(quick ? 30 : 60);
		}
		if (only.contains("restore")) {
			restoreLarge(quick ? 100 : 300);
			restoreMany(fastPrefix != null ? fastPrefix : manySegmentReplica());
		}
		printTable();
	}

	// --- lag, requests, CPU, memory ----------------------------------------------------------------

	private record LagResult(double p50, double p99, double max, long missing, double putsPerMinute,
			double bytesPerMinute, double cpuSeconds, long rssKb) {
	}

	private String lagScenario(String title, String mode, long durationMillis, long syncMillis, int runs)
			throws Exception {
		Map<String, List<LagResult>> results = new HashMap<>();
		String lastOurPrefix = null;
		for (int run = 0; run < runs; run++) {
			for (String tool : List.of("litestream4j", "litestream")) {
				String prefix = tool + "-" + mode.replace(':', '-') + "-" + syncMillis + "-" + run;
				results.computeIfAbsent(tool, t -> new ArrayList<>()).add(lagRun(tool, prefix, mode, durationMillis, syncMillis));
				if (tool.equals("litestream4j")) {
					lastOurPrefix = prefix;
				}
			}
		}
		LagResult ours = median(results.get("litestream4j"));
		LagResult theirs = median(results.get("litestream"));
		if (mode.equals("rate:200") && syncMillis == 1000) {
			steadyLitestream = theirs;
		}
		rows.add(new String[] { title + " — lag p50 (s)", f(ours.p50), f(theirs.p50), ratio(ours.p50, theirs.p50) });
		rows.add(new String[] { title + " — lag p99 (s)", f(ours.p99), f(theirs.p99), ratio(ours.p99, theirs.p99) });
		rows.add(new String[] { title + " — lag max (s)", f(ours.max), f(theirs.max), ratio(ours.max, theirs.max) });
		rows.add(new String[] { title + " — commits never seen", "" + ours.missing, "" + theirs.missing, "" });
		rows.add(new String[] { title + " — PUTs / min", f(ours.putsPerMinute), f(theirs.putsPerMinute),
				ratio(ours.putsPerMinute, theirs.putsPerMinute) });
		rows.add(new String[] { title + " — bytes stored / min", f(ours.bytesPerMinute), f(theirs.bytesPerMinute),
				ratio(ours.bytesPerMinute, theirs.bytesPerMinute) });
		rows.add(new String[] { title + " — replicator CPU s", f(ours.cpuSeconds), f(theirs.cpuSeconds),
				ratio(ours.cpuSeconds, theirs.cpuSeconds) });
		long idle = idleJvmRssKb();
		rows.add(new String[] { title + " — memory (MB; ours = JVM RSS minus an idle JVM's)",
				f((ours.rssKb - idle) / 1024.0), f(theirs.rssKb / 1024.0), ratio(ours.rssKb - idle, theirs.rssKb) });
		System.out.println("done: " + title);
		return lastOurPrefix;
	}

	private LagResult lagRun(String tool, String prefix, String mode, long durationMillis, long syncMillis)
			throws Exception {
		Path dir = Files.createDirectories(work.resolve(prefix));
		Path db = dir.resolve("app.db");
		createTable(db);
		Process replicator = startReplicator(tool, db, prefix, syncMillis, dir);
		try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(prefix))) {
			Thread.sleep(2000);
			long cpuBefore = cpuTicks(replicator.pid());
			Map<String, Long> threadsBefore = threadTicks(replicator.pid());
			int mark = s3.requestCount();
			Path log = dir.resolve("commits.log");
			Map<Integer, Long> seen;
			try (Watcher watcher = new Watcher(client)) {
				run(List.of(java(), "-Dloader.main=" + Writer.class.getName(), "-jar", jar.toString(), db.toString(), mode,
						"" + durationMillis, log.toString()), Duration.ofMillis(durationMillis + 120_000));
				Thread.sleep(Math.max(3000, 3 * syncMillis));
				seen = watcher.firstSeen();
			}
			double cpu = (cpuTicks(replicator.pid()) - cpuBefore) / 100.0;
			printThreadTicks(tool, threadsBefore, threadTicks(replicator.pid()));
			long rss = rssKb(replicator.pid());
			long puts = s3.requestsSince(mark).stream()
				.filter(r -> r.startsWith("Request(PUT ") && r.contains("/" + s3.bucket() + "/" + prefix + "/"))
				.count();
			List<Double> lags = new ArrayList<>();
			long missing = 0;
			for (String line : Files.readAllLines(log)) {
				if (line.startsWith("#")) {
					continue;
				}
				String[] parts = line.split(" ");
				Long at = seen.get(Integer.parseInt(parts[0]));
				if (at == null) {
					missing++;
				}
				else {
					lags.add(Math.max(0, at - Long.parseLong(parts[1])) / 1000.0);
				}
			}
			lags.sort(Double::compare);
			double minutes = durationMillis / 60_000.0;
			return new LagResult(percentile(lags, 0.5), percentile(lags, 0.99),
					lags.isEmpty() ? Double.NaN : lags.get(lags.size() - 1), missing, puts / minutes,
					storedBytes(prefix) / minutes, cpu, rss);
		}
		finally {
			stop(replicator);
		}
	}

	// --- what replication adds to the application ----------------------------------------------------

	/**
	 * The application of b) (200 tx/s) with litestream4j inside it, as the starter runs it, against the same
	 * application without: CPU during the load and resident memory at its end, both JVMs with the same flags.
	 */
	private void applicationCost(int seconds, int runs) throws Exception {
		List<Double> cpu = new ArrayList<>();
		List<Double> memory = new ArrayList<>();
		for (int run = 0; run < runs; run++) {
			Map<String, String> plain = writerRun(null, "cost-plain-" + run, "rate:200", seconds);
			Map<String, String> embedded = writerRun("embedded", "cost-embedded-" + run, "rate:200", seconds);
			cpu.add(Double.parseDouble(embedded.get("cpuSeconds")) - Double.parseDouble(plain.get("cpuSeconds")));
			memory.add((Long.parseLong(embedded.get("rssKb")) - Long.parseLong(plain.get("rssKb"))) / 1024.0);
			System.out.println("cost run " + run + ": app alone cpu=" + plain.get("cpuSeconds") + " rssKb="
					+ plain.get("rssKb") + "; with litestream4j cpu=" + embedded.get("cpuSeconds") + " rssKb="
					+ embedded.get("rssKb"));
		}
		double o = medianOf(cpu);
		double m = medianOf(memory);
		LagResult theirs = steadyLitestream;
		rows.add(new String[] { "b) load: CPU s replication adds to the application (ours: app JVM with minus without)",
				f(o), theirs == null ? "" : f(theirs.cpuSeconds), theirs == null ? "" : ratio(o, theirs.cpuSeconds) });
		rows.add(new String[] { "b) load: memory MB replication adds (ours: app JVM RSS with minus without)", f(m),
				theirs == null ? "" : f(theirs.rssKb / 1024.0), theirs == null ? "" : ratio(m, theirs.rssKb / 1024.0) });
		System.out.println("done: cost");
	}

	// --- writer throughput ------------------------------------------------------------------------

	private void throughput(int runs) throws Exception {
		long seconds = quick ? 5 : 10;
		List<Double> none = new ArrayList<>();
		List<Double> ours = new ArrayList<>();
		List<Double> theirs = new ArrayList<>();
		for (int run = 0; run < runs; run++) {
			none.add(fullSpeed(null, "tp-none-" + run, seconds));
			ours.add(fullSpeed("litestream4j", "tp-ours-" + run, seconds));
			theirs.add(fullSpeed("litestream", "tp-theirs-" + run, seconds));
		}
		double base = medianOf(none);
		double o = medianOf(ours);
		double t = medianOf(theirs);
		rows.add(new String[] { "writer at full speed, tx/s (no replication: " + f(base) + ")", f(o), f(t), ratio(o, t) });
		rows.add(new String[] { "writer slowdown while replicating (%)", f(100 * (1 - o / base)), f(100 * (1 - t / base)),
				"" });
		System.out.println("done: throughput");
	}

	private double fullSpeed(String tool, String prefix, long seconds) throws Exception {
		Path dir = Files.createDirectories(work.resolve(prefix));
		Path db = dir.resolve("app.db");
		createTable(db);
		Process replicator = tool == null ? null : startReplicator(tool, db, prefix, 1000, dir);
		try {
			Thread.sleep(tool == null ? 0 : 2000);
			Path log = dir.resolve("commits.log");
			run(List.of(java(), "-Dloader.main=" + Writer.class.getName(), "-jar", jar.toString(), db.toString(), "full",
					"" + seconds * 1000, log.toString()), Duration.ofSeconds(seconds + 60));
			String summary = Files.readAllLines(log).stream().filter(l -> l.startsWith("# ")).findFirst().orElseThrow();
			Map<String, String> values = new HashMap<>();
			for (String kv : summary.substring(2).split(" ")) {
				values.put(kv.split("=")[0], kv.split("=")[1]);
			}
			return Double.parseDouble(values.get("commits")) / Double.parseDouble(values.get("seconds"));
		}
		finally {
			if (replicator != null) {
				stop(replicator);
			}
		}
	}

	// --- the application's own TRUNCATE checkpoints -------------------------------------------------

	private void truncatingApplication(long seconds) throws Exception {
		Map<String, String> none = writerRun(null, "truncate-none", TRUNCATING, seconds);
		Map<String, String> embedded = writerRun("embedded", "truncate-embedded", TRUNCATING, seconds);
		Map<String, String> ours = writerRun("litestream4j", "truncate-ours", TRUNCATING, seconds);
		Map<String, String> theirs = writerRun("litestream", "truncate-theirs", TRUNCATING, seconds);
		String baseline = " (no replication: " + f(Double.parseDouble(none.get("checkpointSeconds"))) + ")";
		double e = Double.parseDouble(embedded.get("checkpointSeconds"));
		double o = Double.parseDouble(ours.get("checkpointSeconds"));
		double t = Double.parseDouble(theirs.get("checkpointSeconds"));
		// For litestream the application's own DataSource is a connection of another process: the same run.
		rows.add(new String[] { "writer blocked by its own TRUNCATE every 5 s through its DataSource, s of " + seconds
				+ baseline, f(e), f(t), ratio(e, t) });
		rows.add(new String[] { "  commits lost / generations in the replica", embedded.get("lost") + " / "
				+ embedded.get("generations"), theirs.get("lost") + " / " + theirs.get("generations"), "" });
		rows.add(new String[] { "writer blocked by TRUNCATE every 5 s from another process, s of " + seconds + baseline,
				f(o), f(t), ratio(o, t) });
		rows.add(new String[] { "  commits lost / generations in the replica", ours.get("lost") + " / "
				+ ours.get("generations"), theirs.get("lost") + " / " + theirs.get("generations"), "" });
		System.out.println("done: truncate");
	}

	/**
	 * Runs the application (a {@link Writer}) in {@code mode} and returns its summary, plus for replicated runs
	 * the commits a restore lacks and the generations in the replica. tool null: no replication; "embedded":
	 * litestream4j in the application's JVM, its checkpoint pragmas routed to it; else a replicator process.
	 */
	private Map<String, String> writerRun(String tool, String prefix, String mode, long seconds) throws Exception {
		Path dir = Files.createDirectories(work.resolve(prefix));
		Path db = dir.resolve("app.db");
		createTable(db);
		boolean embedded = "embedded".equals(tool);
		Process replicator = (tool == null || embedded) ? null : startReplicator(tool, db, prefix, 1000, dir);
		Map<String, String> values = new HashMap<>();
		try {
			Thread.sleep(replicator == null ? 0 : 2000);
			Path log = dir.resolve("commits.log");
			List<String> command = new ArrayList<>(List.of(java()));
			command.addAll(List.of(JVM_FLAGS.split(" ")));
			command.addAll(List.of("-Dloader.main=" + (embedded ? EmbeddedWriter.class : Writer.class).getName(), "-jar",
					jar.toString(), db.toString(), mode, "" + seconds * 1000, log.toString()));
			if (embedded) {
				command.addAll(List.of(s3.endpoint(), s3.bucket(), prefix, s3.accessKey(), s3.secretKey()));
			}
			ProcessBuilder builder = new ProcessBuilder(command);
			builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
			builder.redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile());
			Process writer = builder.start();
			if (!writer.waitFor(seconds + 120, TimeUnit.SECONDS) || writer.exitValue() != 0) {
				writer.destroyForcibly();
				throw new IllegalStateException("writer failed, see " + dir.resolve("writer.log"));
			}
			String summary = Files.readAllLines(log).stream().filter(l -> l.startsWith("# ")).findFirst().orElseThrow();
			for (String kv : summary.substring(2).split(" ")) {
				values.put(kv.split("=")[0], kv.split("=")[1]);
			}
			Thread.sleep(replicator == null ? 0 : 3000);
		}
		finally {
			if (replicator != null) {
				stop(replicator);
			}
		}
		if (tool != null) {
			Path restored = work.resolve(prefix + "-restored.db");
			try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(prefix))) {
				values.put("generations", "" + client.generations().size());
				new Restorer(client).restore(RestoreOptions.latest(restored));
			}
			try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + restored); Statement s = c.createStatement();
					var rs = s.executeQuery("SELECT COUNT(*) FROM rows")) {
				rs.next();
				values.put("lost", "" + (Long.parseLong(values.get("commits")) - rs.getLong(1)));
			}
		}
		return values;
	}

	// --- restore ----------------------------------------------------------------------------------

	private void restoreLarge(int megabytes) throws Exception {
		String prefix = "restore-large";
		Path dir = Files.createDirectories(work.resolve(prefix));
		Path db = dir.resolve("app.db");
		try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
			s.execute("PRAGMA journal_mode = wal");
			s.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)");
			c.setAutoCommit(false);
			Random random = new Random(5);
			try (PreparedStatement insert = c.prepareStatement("INSERT INTO blobs (data) VALUES (?)")) {
				for (int i = 0; i < megabytes * 256; i++) {
					byte[] data = new byte[4000];
					random.nextBytes(data);
					Arrays.fill(data, 0, 2000, (byte) 'x');
					insert.setBytes(1, data);
					insert.executeUpdate();
				}
			}
			c.commit();
			s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
		}
		Process replicator = startReplicator("litestream4j", db, prefix, 1000, dir);
		waitForSnapshot(prefix, Duration.ofMinutes(5));
		Thread.sleep(3000);
		stop(replicator);
		timeRestores("d) restore of a " + megabytes + " MB database (one snapshot)", prefix);
	}

	private void restoreMany(String prefix) throws Exception {
		long segments;
		try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(prefix))) {
			segments = 0;
			for (String generation : client.generations()) {
				segments += client.walSegments(generation).size();
			}
		}
		timeRestores("e) restore of one snapshot + " + segments + " WAL segments", prefix);
	}

	/** Steady 200 tx/s for 30 s replicated by litestream4j at sync 100ms, as (c) leaves one. */
	private String manySegmentReplica() throws Exception {
		String prefix = "restore-many";
		Path dir = Files.createDirectories(work.resolve(prefix));
		Path db = dir.resolve("app.db");
		createTable(db);
		Process replicator = startReplicator("litestream4j", db, prefix, 100, dir);
		try {
			Thread.sleep(2000);
			run(List.of(java(), "-Dloader.main=" + Writer.class.getName(), "-jar", jar.toString(), db.toString(),
					"rate:200", "30000", dir.resolve("commits.log").toString()), Duration.ofMinutes(3));
			Thread.sleep(3000);
		}
		finally {
			stop(replicator);
		}
		return prefix;
	}

	private void timeRestores(String title, String prefix) throws Exception {
		Map<String, List<Double>> seconds = new HashMap<>();
		// Untimed, so no timed restore pays for S3Proxy's first reads of these objects.
		restoreWith("litestream", prefix, work.resolve(prefix + "-warmup.db"));
		Files.delete(work.resolve(prefix + "-warmup.db"));
		// Ours like for like (litestream v0.3 checks nothing) and with our default full integrity_check, in an
		// order that rotates from run to run, each after a sync so none pays for another's dirty pages.
		List<String> tools = List.of("none", "full", "litestream");
		for (int run = 0; run < (quick ? 1 : 3); run++) {
			for (int k = 0; k < tools.size(); k++) {
				String tool = tools.get((run + k) % tools.size());
				run(List.of("sync"), Duration.ofMinutes(2));
				long t0 = System.nanoTime();
				restoreWith(tool, prefix, work.resolve(prefix + "-" + tool + "-" + run + ".db"));
				seconds.computeIfAbsent(tool, t -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e9);
			}
			Path ours = work.resolve(prefix + "-none-" + run + ".db");
			Path theirs = work.resolve(prefix + "-litestream-" + run + ".db");
			if (run == 0 && Files.mismatch(ours, theirs) != -1) {
				System.out.println("WARNING: restored files differ: " + ours + " " + theirs);
			}
			for (String tool : tools) {
				Files.deleteIfExists(work.resolve(prefix + "-" + tool + "-" + run + ".db"));
			}
		}
		double o = medianOf(seconds.get("none"));
		double full = medianOf(seconds.get("full"));
		double t = medianOf(seconds.get("litestream"));
		rows.add(new String[] { title + " — seconds (speed-up), ours with integrity check none", f(o), f(t),
				t > 0 ? f(t / o) + "× faster" : "" });
		rows.add(new String[] { title + " — seconds, ours with full integrity_check (the default)", f(full), f(t),
				t > 0 ? f(t / full) + "× faster" : "" });
		System.out.println("done: " + title);
	}

	private void restoreWith(String tool, String prefix, Path out) throws Exception {
		if (!tool.equals("litestream")) {
			IntegrityCheck check = tool.equals("none") ? IntegrityCheck.NONE : IntegrityCheck.FULL;
			try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(prefix))) {
				new Restorer(client).restore(RestoreOptions.latest(out).withIntegrityCheck(check));
			}
			return;
		}
		// litestream v0.3's URL form takes no endpoint (it would ask AWS for the bucket's region), so its
		// restore reads the replica from a config file.
		Path config = work.resolve(prefix + "-restore.yml");
		Path configuredDb = work.resolve(prefix + "-configured.db");
		writeLitestreamConfig(config, configuredDb, prefix, 1000);
		ProcessBuilder restore = new ProcessBuilder(litestream.toString(), "restore", "-config", config.toString(),
				"-o", out.toString(), configuredDb.toString());
		credentials(restore);
		run(restore, Duration.ofMinutes(10));
	}

	private void waitForSnapshot(String prefix, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(prefix))) {
			while (System.nanoTime() < deadline) {
				for (String generation : client.generations()) {
					if (!client.snapshots(generation).isEmpty()) {
						return;
					}
				}
				Thread.sleep(200);
			}
		}
		throw new IllegalStateException("no snapshot in " + prefix);
	}

	// --- processes ----------------------------------------------------------------------------------

	private Process startReplicator(String tool, Path db, String prefix, long syncMillis, Path dir) throws IOException {
		ProcessBuilder builder;
		if (tool.equals("litestream4j")) {
			List<String> command = new ArrayList<>(List.of(java()));
			command.addAll(List.of(JVM_FLAGS.split(" ")));
			// e.g. -Dbench.replicator.jvm=-XX:StartFlightRecording=filename=r.jfr,settings=profile to profile it
			String extra = System.getProperty("bench.replicator.jvm", "").trim();
			if (!extra.isEmpty()) {
				command.addAll(List.of(extra.split(" ")));
			}
			command.addAll(List.of("-Dloader.main=" + Replicator.class.getName(), "-jar", jar.toString(), db.toString(),
					s3.endpoint(), s3.bucket(), prefix, s3.accessKey(), s3.secretKey(), "" + syncMillis));
			builder = new ProcessBuilder(command);
			builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
		}
		else {
			Path config = dir.resolve("litestream.yml");
			writeLitestreamConfig(config, db, prefix, syncMillis);
			builder = new ProcessBuilder(litestream.toString(), "replicate", "-config", config.toString());
			credentials(builder);
		}
		builder.redirectErrorStream(true).redirectOutput(dir.resolve(tool + ".log").toFile());
		return builder.start();
	}

	private void writeLitestreamConfig(Path config, Path db, String prefix, long syncMillis) throws IOException {
		Files.writeString(config, """
					dbs:
					  - path: %s
					    replicas:
					      - type: s3
					        bucket: %s
					        path: %s
					        endpoint: %s
					        region: us-east-1
					        force-path-style: true
					        sync-interval: %dms
					""".formatted(db, s3.bucket(), prefix, s3.endpoint(), syncMillis), StandardCharsets.UTF_8);
	}

	private void credentials(ProcessBuilder builder) {
		builder.environment().put("LITESTREAM_ACCESS_KEY_ID", s3.accessKey());
		builder.environment().put("LITESTREAM_SECRET_ACCESS_KEY", s3.secretKey());
		builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
	}

	private long idleJvmRssKb() throws Exception {
		List<String> command = new ArrayList<>(List.of(java()));
		command.addAll(List.of(JVM_FLAGS.split(" ")));
		command.addAll(List.of("-Dloader.main=" + Idle.class.getName(), "-jar", jar.toString()));
		Process idle = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			Thread.sleep(3000);
			return rssKb(idle.pid());
		}
		finally {
			stop(idle);
		}
	}

	private static void stop(Process process) throws InterruptedException {
		process.destroy();
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}

	private static void run(List<String> command, Duration timeout) throws Exception {
		run(new ProcessBuilder(command), timeout);
	}

	private static void run(ProcessBuilder builder, Duration timeout) throws Exception {
		Process process = builder.redirectErrorStream(true).start();
		if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("timed out: " + builder.command());
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.exitValue() != 0) {
			throw new IllegalStateException("failed: " + builder.command() + "\n" + output);
		}
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static void createTable(Path db) throws Exception {
		try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
			s.execute("PRAGMA journal_mode = wal");
			s.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)");
		}
	}

	private static long cpuTicks(long pid) throws IOException {
		return cpuTicks(Path.of("/proc/" + pid + "/stat"));
	}

	/** CPU ticks per thread name (threads of one name summed), to see where a replicator's CPU goes. */
	private static Map<String, Long> threadTicks(long pid) {
		Map<String, Long> ticks = new HashMap<>();
		try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
			for (Path task : tasks.toList()) {
				try {
					String name = Files.readString(task.resolve("comm")).trim();
					ticks.merge(name, cpuTicks(task.resolve("stat")), Long::sum);
				}
				catch (IOException ex) {
					// the thread ended
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
		return ticks;
	}

	/** utime + stime of a /proc stat file (a process's or one thread's). */
	private static long cpuTicks(Path statFile) throws IOException {
		String stat = Files.readString(statFile);
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

	private static void printThreadTicks(String tool, Map<String, Long> before, Map<String, Long> after) {
		StringBuilder line = new StringBuilder(tool + " CPU by thread (s):");
		after.entrySet().stream()
			.map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
			.filter(e -> e.getValue() > 0)
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.limit(8)
			.forEach(e -> line.append(' ').append(e.getKey()).append('=').append(e.getValue() / 100.0));
		System.out.println(line);
	}

	private static long rssKb(long pid) throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("[^0-9]", ""));
			}
		}
		return 0;
	}

	private long storedBytes(String prefix) throws IOException {
		Path root = s3.dataDir().resolve(s3.bucket()).resolve(prefix);
		if (!Files.exists(root)) {
			return 0;
		}
		try (Stream<Path> files = Files.walk(root)) {
			return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
		}
	}

	// --- numbers --------------------------------------------------------------------------------

	private static double percentile(List<Double> sorted, double q) {
		if (sorted.isEmpty()) {
			return Double.NaN;
		}
		return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
	}

	private static double medianOf(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(Double::compare);
		return sorted.get(sorted.size() / 2);
	}

	private static LagResult median(List<LagResult> results) {
		return new LagResult(medianOf(results.stream().map(LagResult::p50).toList()),
				medianOf(results.stream().map(LagResult::p99).toList()),
				medianOf(results.stream().map(LagResult::max).toList()),
				results.stream().mapToLong(LagResult::missing).sum(),
				medianOf(results.stream().map(LagResult::putsPerMinute).toList()),
				medianOf(results.stream().map(LagResult::bytesPerMinute).toList()),
				medianOf(results.stream().map(LagResult::cpuSeconds).toList()),
				(long) medianOf(results.stream().map(r -> (double) r.rssKb()).toList()));
	}

	private static String f(double value) {
		return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.3f", value);
	}

	private static String ratio(double ours, double theirs) {
		return theirs == 0 || Double.isNaN(theirs) ? "" : String.format(Locale.ROOT, "%.2f×", ours / theirs);
	}

	private void printTable() {
		System.out.println();
		System.out.println("| measure | litestream4j | litestream v0.3.13 | ratio |");
		System.out.println("|---|---|---|---|");
		for (String[] row : rows) {
			System.out.println("| " + String.join(" | ", row) + " |");
		}
	}

}
