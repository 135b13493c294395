package io.litestream4j.core.s3;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.Generations;
import io.litestream4j.core.Replica;
import io.litestream4j.core.ReplicaOptions;
import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.testing.ItemsWorkload;
import io.litestream4j.core.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replicate/restore matrix over S3, as for the file replica: run against S3Proxy always and against
 * MinIO where Docker is available.
 */
abstract class S3ReplicationContractTests {

	protected static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	protected Path dir;

	protected DB db;

	protected Replica replica;

	protected Connection app;

	protected S3ReplicaClient client;

	/** Settings of a replica under {@code path} in the store's test bucket. */
	protected abstract S3ReplicaConfig config(String path);

	@AfterEach
	void tearDown() throws Exception {
		if (db != null) {
			db.close();
		}
		if (app != null) {
			app.close();
		}
		if (client != null) {
			client.close();
		}
	}

	protected Path dbPath() {
		return dir.resolve("app.db");
	}

	protected S3ReplicaClient startReplicating(DbOptions options, Duration syncInterval) throws SQLException {
		if (app == null) {
			app = TestDatabases.appConnection(dbPath());
			exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
		}
		client = S3ReplicaClient.create(config("matrix-" + Generations.newGeneration()));
		db = new DB(options);
		replica = db.addReplica(ReplicaOptions.defaults("s3").withSyncInterval(syncInterval), client);
		db.start();
		return client;
	}

	protected void exec(String sql) throws SQLException {
		try (Statement statement = app.createStatement()) {
			statement.execute(sql);
		}
	}

	protected void insert(int from, int count, int valueSize) throws SQLException {
		new ItemsWorkload(app).insert(from, count, valueSize);
	}

	protected Path restore(RestoreOptions options) {
		RestoreResult result = new Restorer(client).restore(options);
		assertThat(result.integrity()).isEqualTo("ok");
		return result.path();
	}

	@Test
	void randomizedWritesRestoreIdenticalContent() throws Exception {
		startReplicating(DbOptions.defaults(dbPath()).withCheckpointPageCounts(200, 2000), Duration.ofMillis(200));
		// The large transaction is above the 16 MiB multipart threshold once framed: ~20 MB of random pages.
		ItemsWorkload items = new ItemsWorkload(app);
		items.randomMix(7, 200, 5000);
		items.syncUntilWalRestarted(db, WAIT);

		assertThat(db.pos().index()).as("WAL restarts followed").isPositive();
		Path restored = restore(RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.integrityCheck(restored)).isEqualTo("ok");
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(TestDatabases.count(dbPath(), "items"));
	}

	@Test
	void pointInTimeBetweenTwoBatchesRestoresExactlyTheFirst() throws Exception {
		startReplicating(DbOptions.defaults(dbPath()), Duration.ofSeconds(1));
		insert(0, 100, 200);
		db.syncAndWait(WAIT);
		// S3Proxy keeps LastModified in whole seconds: keep both batches more than 2 s from the cut.
		Thread.sleep(2100);
		Instant between = Instant.now();
		Thread.sleep(2100);
		insert(100, 100, 200);
		db.syncAndWait(WAIT);

		Path first = restore(RestoreOptions.latest(dir.resolve("first.db")).withTimestamp(between));
		Path latest = restore(RestoreOptions.latest(dir.resolve("latest.db")));

		assertThat(TestDatabases.count(first, "items")).isEqualTo(100);
		assertThat(TestDatabases.count(latest, "items")).isEqualTo(200);
		assertThat(TestDatabases.contentDigest(latest)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

}
