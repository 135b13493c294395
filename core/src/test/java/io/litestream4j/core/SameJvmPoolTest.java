package io.litestream4j.core;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine inside the application's JVM, next to a HikariCP pool writing from several threads. */
class SameJvmPoolTest {

	@TempDir
	Path dir;

	@Test
	void concurrentPoolWritersWithFrequentCheckpointsLoseNothing() throws Exception {
		Path dbPath = dir.resolve("pool.db");
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:sqlite:" + dbPath);
		config.setMaximumPoolSize(4);
		config.setConnectionInitSql("PRAGMA busy_timeout = 10000");
		try (HikariDataSource pool = new HikariDataSource(config)) {
			try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
				s.execute("PRAGMA journal_mode = wal");
				s.execute("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, writer INTEGER, n INTEGER, payload TEXT)");
			}
			FileReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
			try (DB db = new DB(DbOptions.defaults(dbPath).withCheckpointPageCounts(20, 200))) {
				db.addReplica(ReplicaOptions.defaults("file").withSyncInterval(Duration.ofMillis(20))
					.withSnapshotInterval(Duration.ofMillis(300)), client);
				db.start();
				ExecutorService writers = Executors.newFixedThreadPool(4);
				List<Future<?>> done = new ArrayList<>();
				for (int w = 0; w < 4; w++) {
					int writer = w;
					done.add(writers.submit(() -> {
						for (int n = 0; n < 250; n++) {
							try (Connection c = pool.getConnection();
									PreparedStatement insert = c.prepareStatement(
											"INSERT INTO events (writer, n, payload) VALUES (?, ?, ?)")) {
								insert.setInt(1, writer);
								insert.setInt(2, n);
								insert.setString(3, "x".repeat(800));
								insert.executeUpdate();
							}
						}
						return null;
					}));
				}
				for (Future<?> future : done) {
					future.get();
				}
				writers.shutdown();
				db.syncAndWait(Duration.ofSeconds(60));
				// The WAL restarts with the first write that starts after a checkpoint's full backfill; busy
				// writers may all have begun earlier, so a few quiet writes follow.
				for (int i = 0; db.pos().index() == 0 && i < 50; i++) {
					try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
						s.execute("INSERT INTO events (writer, n) VALUES (8, " + i + ")");
					}
					db.syncAndWait(Duration.ofSeconds(60));
				}

				assertThat(db.stats().checkpointCount()).isPositive();
				assertThat(db.stats().generationChanges()).as("restarts under concurrent writers keep the generation")
					.isEqualTo(1);
				assertThat(db.pos().index()).isPositive();
				long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
				while (db.replicas().get(0).snapshotCount() < 2 && System.nanoTime() < deadline) {
					Thread.sleep(50);
				}
				assertThat(db.replicas().get(0).snapshotCount()).as("generation snapshot plus interval snapshots")
					.isGreaterThan(1);
			}
			Path restored = new Restorer(client).restore(RestoreOptions.latest(dir.resolve("restored.db"))).path();
			assertThat(TestDatabases.count(restored, "events WHERE writer < 4")).isEqualTo(1000);
			assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath));
			// The pool still works after the engine closed: no lock was lost underneath it.
			try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
				s.execute("INSERT INTO events (writer, n) VALUES (9, 9)");
				assertThat(TestDatabases.integrityCheck(dbPath)).isEqualTo("ok");
			}
		}
	}

	@Test
	void rollbackJournalDatabaseIsSwitchedToWal() throws Exception {
		Path dbPath = dir.resolve("journal.db");
		try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbPath); Statement s = c.createStatement()) {
			s.execute("PRAGMA journal_mode = delete");
			s.execute("CREATE TABLE t (x)");
			s.execute("INSERT INTO t VALUES (1)");
		}
		FileReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
		try (DB db = new DB(DbOptions.defaults(dbPath))) {
			db.addReplica(ReplicaOptions.defaults("file"), client);
			db.start();
			db.syncAndWait(Duration.ofSeconds(30));
			try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbPath); Statement s = c.createStatement()) {
				var rs = s.executeQuery("PRAGMA journal_mode");
				rs.next();
				assertThat(rs.getString(1)).isEqualTo("wal");
			}
		}
		Path restored = new Restorer(client).restore(RestoreOptions.latest(dir.resolve("restored.db"))).path();
		assertThat(TestDatabases.count(restored, "t")).isEqualTo(1);
	}

	@Test
	void missingDirectoryIsAClearError() {
		DB db = new DB(DbOptions.defaults(dir.resolve("missing/app.db")));
		assertThatThrownBy(db::open).isInstanceOf(ReplicationException.class)
			.hasMessageContaining(dir.resolve("missing").toString());
	}

}
