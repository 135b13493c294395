package io.litestream4j.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.LitestreamBinary;
import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Both directions with the real Litestream v0.3.13 on a file replica. */
class LitestreamFileInteropTest {

	@TempDir
	Path dir;

	@Test
	void litestreamRestoresWhatWeReplicated() throws Exception {
		Path binary = LitestreamBinary.require();
		Path source = dir.resolve("source.db");
		Path replicaDir = dir.resolve("replica");
		try (Connection app = TestDatabases.appConnection(source)) {
			exec(app, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
			DB db = new DB(DbOptions.defaults(source).withCheckpointPageCounts(50, 1000));
			db.addReplica(ReplicaOptions.defaults("file").withSyncInterval(Duration.ofMillis(50)),
					new FileReplicaClient(replicaDir));
			db.start();
			try {
				writeBatches(app, 6, 40);
				db.syncAndWait(Duration.ofSeconds(60));
				assertThat(db.pos().index()).as("several WAL indexes").isPositive();
			}
			finally {
				db.close();
			}
		}
		Path restored = dir.resolve("by-litestream.db");
		run(List.of(binary.toString(), "restore", "-o", restored.toString(), "file://" + replicaDir), Duration.ofSeconds(60));

		assertThat(TestDatabases.integrityCheck(restored)).isEqualTo("ok");
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(source));
		// Pages applied directly give the very bytes litestream's checkpoint-per-index restore gives.
		Path ours = new Restorer(new FileReplicaClient(replicaDir)).restore(RestoreOptions.latest(dir.resolve("by-us.db")))
			.path();
		assertThat(Files.mismatch(ours, restored)).isEqualTo(-1L);
	}

	@Test
	void weRestoreWhatLitestreamReplicated() throws Exception {
		Path binary = LitestreamBinary.require();
		Path source = dir.resolve("source.db");
		Path replicaDir = dir.resolve("replica");
		Path config = dir.resolve("litestream.yml");
		Files.writeString(config, """
				dbs:
				  - path: %s
				    monitor-interval: 100ms
				    min-checkpoint-page-count: 50
				    replicas:
				      - type: file
				        path: %s
				        sync-interval: 100ms
				""".formatted(source, replicaDir), StandardCharsets.UTF_8);
		try (Connection app = TestDatabases.appConnection(source)) {
			exec(app, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
			Process litestream = new ProcessBuilder(binary.toString(), "replicate", "-config", config.toString())
				.redirectErrorStream(true)
				.redirectOutput(dir.resolve("litestream.log").toFile())
				.start();
			try {
				writeBatches(app, 6, 40);
				Thread.sleep(1500);
			}
			finally {
				litestream.destroy(); // SIGTERM: litestream ships a final sync
				assertThat(litestream.waitFor(30, TimeUnit.SECONDS)).isTrue();
			}
		}
		Path restored = dir.resolve("by-us.db");
		RestoreResult result = new Restorer(new FileReplicaClient(replicaDir)).restore(RestoreOptions.latest(restored));

		assertThat(result.integrity()).isEqualTo("ok");
		assertThat(result.index()).as("several WAL indexes written by litestream").isPositive();
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(source));
	}

	private static void writeBatches(Connection app, int batches, int rowsPerBatch) throws Exception {
		Random random = new Random(7);
		int id = 0;
		for (int batch = 0; batch < batches; batch++) {
			try (PreparedStatement insert = app.prepareStatement("INSERT INTO items (id, name, value) VALUES (?, ?, ?)")) {
				for (int i = 0; i < rowsPerBatch; i++) {
					byte[] value = new byte[500 + random.nextInt(3000)];
					random.nextBytes(value);
					insert.setInt(1, id++);
					insert.setString(2, "row-" + id);
					insert.setBytes(3, value);
					insert.executeUpdate();
				}
			}
			exec(app, "UPDATE items SET name = name || '+' WHERE id % 5 = " + batch % 5);
			exec(app, "DELETE FROM items WHERE id % 13 = " + batch);
			Thread.sleep(250);
		}
	}

	private static void exec(Connection connection, String sql) throws Exception {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	static String run(List<String> command, Duration timeout) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("timed out: " + command);
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as("exit code of %s, output:%n%s", command, output).isZero();
		return output;
	}

}
