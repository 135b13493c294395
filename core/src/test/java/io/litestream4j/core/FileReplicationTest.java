package io.litestream4j.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.ExternalProcess;
import io.litestream4j.core.testing.ItemsWorkload;
import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileReplicationTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	Path dir;

	private DB db;

	private Connection app;

	@AfterEach
	void tearDown() throws Exception {
		if (db != null) {
			db.close();
		}
		if (app != null) {
			app.close();
		}
	}

	private Path dbPath() {
		return dir.resolve("app.db");
	}

	private FileReplicaClient startReplicating(DbOptions options) throws SQLException {
		if (app == null) {
			app = TestDatabases.appConnection(dbPath());
			exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
		}
		FileReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
		db = new DB(options);
		db.addReplica(ReplicaOptions.defaults("file").withSyncInterval(Duration.ofMillis(100)), client);
		db.start();
		return client;
	}

	private void exec(String sql) throws SQLException {
		try (Statement statement = app.createStatement()) {
			statement.execute(sql);
		}
	}

	private void insert(int from, int count, int valueSize) throws SQLException {
		new ItemsWorkload(app).insert(from, count, valueSize);
	}

	private Path restore(FileReplicaClient client, RestoreOptions options) {
		RestoreResult result = new Restorer(client).restore(options);
		assertThat(result.integrity()).isEqualTo("ok");
		return result.path();
	}

	@Test
	void randomizedWorkloadWithLargeTransactionAndVacuumRestoresIdenticalContent() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()).withCheckpointPageCounts(200, 2000));
		ItemsWorkload items = new ItemsWorkload(app);
		items.randomMix(42, 300, 2000);
		items.syncUntilWalRestarted(db, WAIT);

		assertThat(db.stats().checkpointCount()).as("checkpoints during the workload").isPositive();
		assertThat(db.pos().index()).as("WAL restarts followed").isPositive();
		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(TestDatabases.count(dbPath(), "items"));
	}

	@Test
	void pointInTimeBetweenTwoBatchesRestoresExactlyTheFirst() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 100, 200);
		db.syncAndWait(WAIT);
		Thread.sleep(2100);
		Instant between = Instant.now();
		Thread.sleep(2100);
		insert(100, 100, 200);
		db.syncAndWait(WAIT);

		Path first = restore(client, RestoreOptions.latest(dir.resolve("first.db")).withTimestamp(between));
		Path latest = restore(client, RestoreOptions.latest(dir.resolve("latest.db")));

		assertThat(TestDatabases.count(first, "items")).isEqualTo(100);
		assertThat(TestDatabases.count(latest, "items")).isEqualTo(200);
		assertThat(TestDatabases.contentDigest(latest)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	@Test
	void externalTruncateCheckpointStartsNewGenerationAndKeepsEverything() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 50, 500);
		db.syncAndWait(WAIT);
		String first = db.generation();
		db.close();
		// With the replicator's read transaction gone, another process can truncate the WAL.
		ExternalProcess.runSql(dbPath(), "INSERT INTO items (id, name) VALUES (500, 'while stopped')",
				"PRAGMA wal_checkpoint(TRUNCATE)", "INSERT INTO items (id, name) VALUES (501, 'after truncate')");
		insert(1000, 20, 500);
		db = new DB(DbOptions.defaults(dbPath()));
		db.addReplica(ReplicaOptions.defaults("file"), client);
		db.start();
		db.syncAndWait(WAIT);

		assertThat(db.generation()).isNotEqualTo(first);
		assertThat(db.stats().lastGenerationChangeReason()).isNotBlank();
		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(72);
	}

	@Test
	void externalCheckpointsWhileReplicatingLoseNothing() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		for (int round = 0; round < 5; round++) {
			insert(round * 100, 20, 500);
			ExternalProcess.runSql(dbPath(), "INSERT INTO items (id, name) VALUES (" + (round * 100 + 50) + ", 'external')",
					"PRAGMA busy_timeout = 200",
					"PRAGMA wal_checkpoint(" + (round % 2 == 0 ? "TRUNCATE" : "RESTART") + ")");
		}
		insert(10_000, 5, 100);
		db.syncAndWait(WAIT);

		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(110);
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	@Test
	void databaseFileReplacedOnDiskStartsNewGeneration() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
		db.addGenerationListener((previous, current, reason) -> events.add(previous + ">" + current + ":" + reason));
		insert(0, 30, 100);
		db.syncAndWait(WAIT);
		String first = db.generation();
		app.close();
		app = null;

		Path other = dir.resolve("other.db");
		try (Connection connection = TestDatabases.appConnection(other); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
			statement.execute("INSERT INTO items (id, name) VALUES (1, 'replacement')");
			statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
		}
		Files.deleteIfExists(Path.of(other + "-wal"));
		Files.deleteIfExists(Path.of(dbPath() + "-wal"));
		Files.deleteIfExists(Path.of(dbPath() + "-shm"));
		Files.move(other, dbPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		app = TestDatabases.appConnection(dbPath());
		insert(100, 10, 100);

		db.syncAndWait(WAIT);

		assertThat(db.generation()).isNotEqualTo(first);
		assertThat(db.stats().lastGenerationChangeReason()).isEqualTo("database file replaced");
		assertThat(events).last().asString().endsWith(">" + db.generation() + ":database file replaced");
		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(11);
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	@Test
	void databaseFileTruncatedUnderneathLeavesTheReplicaRestorable() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 60, 500);
		db.syncAndWait(WAIT);
		// Truncated by another process: this JVM must not open and close the file (its locks would go).
		Process truncate = new ProcessBuilder("truncate", "-s", "0", dbPath().toString()).start();
		assertThat(truncate.waitFor()).isZero();
		Thread.sleep(300);
		db.sync();

		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(60);
	}

	@Test
	void stopWriteAndStartAgainResumesTheSameGeneration() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 40, 300);
		db.syncAndWait(WAIT);
		String generation = db.generation();
		db.stop();
		insert(100, 40, 300);
		db.start();
		db.syncAndWait(WAIT);

		assertThat(db.generation()).isEqualTo(generation);

		// A new engine instance (an application restart while the pool keeps the WAL) continues too, and so
		// does a WAL restart made by the application's first write after a full checkpoint.
		db.close();
		insert(200, 40, 300);
		exec("PRAGMA wal_checkpoint(PASSIVE)");
		db = new DB(DbOptions.defaults(dbPath()));
		db.addReplica(ReplicaOptions.defaults("file"), client);
		db.start();
		db.syncAndWait(WAIT);
		long index = db.pos().index();
		insert(300, 40, 300);
		db.syncAndWait(WAIT);

		assertThat(db.generation()).isEqualTo(generation);
		assertThat(db.pos().index()).as("the application's write restarted the WAL").isEqualTo(index + 1);
		assertThat(db.stats().generationChanges()).isZero();
		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(160);
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	@Test
	void writesFromAnotherProcessAreReplicated() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 5, 100);
		ExternalProcess.runSql(dbPath(), "INSERT INTO items (id, name) VALUES (900, 'from another process')",
				"INSERT INTO items (id, name) VALUES (901, 'again')");
		db.syncAndWait(WAIT);

		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(7);
	}

	@Test
	void idleDatabaseMakesNoRequests() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()).withMonitorInterval(Duration.ofMillis(100)));
		insert(0, 5, 100);
		db.syncAndWait(WAIT);
		Thread.sleep(300);
		long before = totalRequests(client);
		Thread.sleep(1500);
		assertThat(totalRequests(client)).isEqualTo(before);
	}

	@Test
	void restoreByGenerationAndIndexAndIfExistsOptions() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()).withCheckpointPageCounts(5, 100));
		insert(0, 20, 3000);
		db.syncAndWait(WAIT);
		// The WAL restarts with the first write after a checkpoint.
		for (int filler = 400; db.pos().index() == 0 && filler < 450; filler++) {
			insert(filler, 1, 3000);
			db.syncAndWait(WAIT);
		}
		long index = db.pos().index();
		assertThat(index).isPositive();
		for (int filler = 500; db.pos().index() == index; filler++) {
			insert(filler, 1, 3000);
			db.syncAndWait(WAIT);
		}
		insert(100, 20, 3000);
		db.syncAndWait(WAIT);

		Path upTo = dir.resolve("upto.db");
		RestoreResult result = new Restorer(client)
			.restore(RestoreOptions.latest(upTo).withGeneration(db.generation(), index));
		assertThat(result.index()).isEqualTo(index);
		assertThat(TestDatabases.count(upTo, "items WHERE id < 100")).isEqualTo(20);
		assertThat(TestDatabases.count(upTo, "items WHERE id >= 100")).isLessThan(TestDatabases.count(dbPath(), "items WHERE id >= 100"));
		assertThat(TestDatabases.count(upTo, "items WHERE id BETWEEN 100 AND 199")).isZero();

		assertThatThrownBy(() -> new Restorer(client).restore(RestoreOptions.latest(upTo)))
			.isInstanceOf(RestoreTargetExistsException.class)
			.hasMessageContaining(upTo.toString());
		assertThat(new Restorer(client).restore(RestoreOptions.latest(upTo).withIfDbNotExists(true)).wasSkipped()).isTrue();
		Path overwritten = restore(client, RestoreOptions.latest(upTo).withOverwrite(true));
		assertThat(TestDatabases.contentDigest(overwritten)).isEqualTo(TestDatabases.contentDigest(dbPath()));

		FileReplicaClient empty = new FileReplicaClient(dir.resolve("empty"));
		assertThatThrownBy(() -> new Restorer(empty).restore(RestoreOptions.latest(dir.resolve("none.db"))))
			.isInstanceOf(NoBackupFoundException.class);
		assertThat(new Restorer(empty).restore(RestoreOptions.latest(dir.resolve("none.db")).withIfReplicaExists(true))
			.wasSkipped()).isTrue();
		assertThat(Files.exists(dir.resolve("none.db"))).isFalse();
	}

	@Test
	void retentionDeletesOldGenerationsButKeepsTheCurrent() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 10, 100);
		db.syncAndWait(WAIT);
		String first = db.generation();
		db.close();
		ExternalProcess.runSql(dbPath(), "PRAGMA wal_checkpoint(TRUNCATE)", "INSERT INTO items (id) VALUES (99)");
		db = new DB(DbOptions.defaults(dbPath()));
		Replica replica = db.addReplica(ReplicaOptions.defaults("file").withRetention(Duration.ofMillis(1500),
				Duration.ofHours(1)), client);
		db.start();
		db.syncAndWait(WAIT);
		assertThat(client.generations()).containsExactlyInAnyOrder(first, db.generation());
		Thread.sleep(1600);

		replica.enforceRetention();

		assertThat(client.generations()).containsExactly(db.generation());
		Path restored = restore(client, RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(11);
	}

	@Test
	void corruptSegmentIsRefusedNamingTheObject() throws Exception {
		FileReplicaClient client = startReplicating(DbOptions.defaults(dbPath()));
		insert(0, 10, 100);
		db.syncAndWait(WAIT);
		List<WalSegmentInfo> segments = client.walSegments(db.generation());
		WalSegmentInfo last = segments.get(segments.size() - 1);
		Path object = client.root().resolve(ReplicaLayout.walSegmentKey(last.pos()));
		byte[] bytes = Files.readAllBytes(object);
		bytes[bytes.length / 2] ^= 0x55;
		Files.write(object, bytes);

		assertThatThrownBy(() -> new Restorer(client).restore(RestoreOptions.latest(dir.resolve("restored.db"))))
			.isInstanceOf(ReplicationException.class)
			.hasMessageContaining(Generations.walSegmentName(last.index(), last.offset()));
		assertThat(Files.exists(dir.resolve("restored.db"))).isFalse();
	}

	private static long totalRequests(FileReplicaClient client) {
		long total = 0;
		for (ReplicaOperation operation : ReplicaOperation.values()) {
			total += client.counters().requests(operation);
		}
		return total;
	}

}
