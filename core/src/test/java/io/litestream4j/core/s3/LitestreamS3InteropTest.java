package io.litestream4j.core.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.Generations;
import io.litestream4j.core.ReplicaOptions;
import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.testing.ItemsWorkload;
import io.litestream4j.core.testing.LitestreamBinary;
import io.litestream4j.core.testing.S3ProxyServer;
import io.litestream4j.core.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Interop over S3 with the real Litestream v0.3.13, both ways, through S3Proxy: it replicates and we
 * restore; we replicate and {@code litestream restore -o ... s3://...} restores. Credentials reach the
 * binary only through {@code LITESTREAM_ACCESS_KEY_ID}/{@code LITESTREAM_SECRET_ACCESS_KEY}.
 */
class LitestreamS3InteropTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@RegisterExtension
	static final S3ProxyServer s3proxy = new S3ProxyServer();

	@TempDir
	Path dir;

	@Test
	void litestreamReplicatesAndWeRestore() throws Exception {
		Path binary = LitestreamBinary.require();
		Path source = dir.resolve("source.db");
		String path = "interop-ls-" + Generations.newGeneration();
		try (Connection app = TestDatabases.appConnection(source)) {
			exec(app, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
			insert(app, 0, 100, 300);
			Process litestream = litestream(binary, "replicate", "-config", writeConfig(source, path).toString());
			try {
				for (int batch = 1; batch <= 5; batch++) {
					insert(app, batch * 1000, 40, 300);
					Thread.sleep(300);
				}
				exec(app, "UPDATE items SET name = 'renamed' WHERE id % 3 = 0");
				awaitRestorable(path, source);
			}
			finally {
				stop(litestream);
			}
		}
		try (S3ReplicaClient client = S3ReplicaClient.create(s3proxy.replicaConfig(path))) {
			assertThat(client.generations()).hasSize(1);
			RestoreResult result = new Restorer(client).restore(RestoreOptions.latest(dir.resolve("ours.db")));
			assertThat(result.integrity()).isEqualTo("ok");
			assertThat(TestDatabases.contentDigest(result.path())).isEqualTo(TestDatabases.contentDigest(source));
			assertThat(TestDatabases.count(result.path(), "items")).isEqualTo(300);
		}
	}

	@Test
	void weReplicateAndLitestreamRestores() throws Exception {
		Path binary = LitestreamBinary.require();
		Path source = dir.resolve("source.db");
		String path = "interop-we-" + Generations.newGeneration();
		int mark = s3proxy.requestCount();
		Instant between;
		try (Connection app = TestDatabases.appConnection(source);
				S3ReplicaClient client = S3ReplicaClient.create(s3proxy.replicaConfig(path))) {
			exec(app, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
			DB db = new DB(DbOptions.defaults(source).withCheckpointPageCounts(200, 2000));
			db.addReplica(ReplicaOptions.defaults("s3").withSyncInterval(Duration.ofMillis(200)), client);
			db.start();
			try {
				insert(app, 0, 200, 500);
				// Large enough for a multipart upload of one segment (random pages barely compress).
				app.setAutoCommit(false);
				insert(app, 100_000, 4500, 4000);
				app.commit();
				app.setAutoCommit(true);
				exec(app, "DELETE FROM items WHERE id >= 100000 AND id % 3 = 0");
				insert(app, 200_000, 50, 100);
				db.syncAndWait(WAIT);
				// The WAL restarts with the first write after a checkpoint.
				for (int i = 0; db.pos().index() == 0 && i < 50; i++) {
					insert(app, 300_000 + i, 1, 100);
					db.syncAndWait(WAIT);
				}
				assertThat(db.pos().index()).as("a WAL restart is part of what litestream replays").isPositive();
				// A last batch well after a cut (S3Proxy keeps whole seconds), for litestream's -timestamp.
				Thread.sleep(2100);
				between = Instant.now().truncatedTo(ChronoUnit.SECONDS);
				Thread.sleep(2100);
				insert(app, 400_000, 50, 100);
				db.syncAndWait(WAIT);
				assertThat(s3proxy.requestsSince(mark)).as("a multipart upload is part of what litestream reads")
					.anyMatch(r -> r.contains("?uploads"));
			}
			finally {
				db.close();
			}
		}
		Path restored = dir.resolve("theirs.db");
		// Litestream's URL form for a local S3-compatible server: BUCKET.localhost:PORT means plain HTTP,
		// path-style, us-east-1.
		String url = "s3://" + s3proxy.bucket() + ".localhost:" + s3proxy.port() + "/" + path;
		Process restore = litestream(binary, "restore", "-o", restored.toString(), url);
		String output = awaitExit(restore, Duration.ofMinutes(2));
		assertThat(restore.exitValue()).as("litestream restore output:%n%s", output).isZero();
		assertThat(TestDatabases.integrityCheck(restored)).isEqualTo("ok");
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(source));

		Path pointInTime = dir.resolve("theirs-pit.db");
		Process pitRestore = litestream(binary, "restore", "-o", pointInTime.toString(), "-timestamp",
				DateTimeFormatter.ISO_INSTANT.format(between), url);
		String pitOutput = awaitExit(pitRestore, Duration.ofMinutes(2));
		assertThat(pitRestore.exitValue()).as("litestream restore -timestamp output:%n%s", pitOutput).isZero();
		assertThat(TestDatabases.integrityCheck(pointInTime)).isEqualTo("ok");
		assertThat(TestDatabases.count(pointInTime, "items")).isEqualTo(TestDatabases.count(source, "items") - 50);
		assertThat(TestDatabases.count(pointInTime, "items WHERE id >= 400000")).isZero();
	}

	/** Polls until a restore of what Litestream uploaded equals the source, or fails with the last state. */
	private void awaitRestorable(String path, Path source) throws Exception {
		String expected = TestDatabases.contentDigest(source);
		long deadline = System.nanoTime() + WAIT.toNanos();
		String last = "nothing restored";
		try (S3ReplicaClient client = S3ReplicaClient.create(s3proxy.replicaConfig(path))) {
			while (System.nanoTime() < deadline) {
				Thread.sleep(1000);
				try {
					Path attempt = dir.resolve("attempt.db");
					RestoreResult result = new Restorer(client).restore(RestoreOptions.latest(attempt).withOverwrite(true));
					String digest = TestDatabases.contentDigest(result.path());
					if (digest.equals(expected)) {
						return;
					}
					last = "restored " + TestDatabases.count(result.path(), "items") + " rows, digest differs";
				}
				catch (RuntimeException ex) {
					last = ex.toString();
				}
			}
		}
		throw new AssertionError("litestream's replica never matched the source: " + last);
	}

	private Path writeConfig(Path db, String path) throws IOException {
		Path config = dir.resolve("litestream.yml");
		Files.writeString(config, """
				dbs:
				  - path: %s
				    replicas:
				      - type: s3
				        bucket: %s
				        path: %s
				        endpoint: %s
				        region: %s
				        force-path-style: true
				        sync-interval: 1s
				""".formatted(db.toAbsolutePath(), s3proxy.bucket(), path, s3proxy.endpoint(), s3proxy.region()));
		return config;
	}

	private Process litestream(Path binary, String... args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(binary.toString());
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(dir.resolve("litestream-" + args[0] + ".log").toFile());
		// Each run overwrites its command's log, so a failure shows the run that failed.
		Map<String, String> env = builder.environment();
		// Litestream v0.3.13 lets AWS_* win over LITESTREAM_*; keep the developer's own keys out of it.
		env.keySet().removeIf(key -> key.startsWith("AWS_"));
		env.put("AWS_EC2_METADATA_DISABLED", "true");
		env.put("LITESTREAM_ACCESS_KEY_ID", s3proxy.accessKey());
		env.put("LITESTREAM_SECRET_ACCESS_KEY", s3proxy.secretKey());
		return builder.start();
	}

	private String awaitExit(Process process, Duration timeout) throws Exception {
		if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("litestream did not finish within " + timeout);
		}
		return logOf("restore");
	}

	private void stop(Process process) throws Exception {
		process.destroy();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			process.waitFor(10, TimeUnit.SECONDS);
		}
	}

	private String logOf(String command) throws IOException {
		Path log = dir.resolve("litestream-" + command + ".log");
		return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
	}

	private static void exec(Connection app, String sql) throws SQLException {
		try (Statement statement = app.createStatement()) {
			statement.execute(sql);
		}
	}

	private static void insert(Connection app, int from, int count, int valueSize) throws SQLException {
		new ItemsWorkload(app).insert(from, count, valueSize);
	}

}
