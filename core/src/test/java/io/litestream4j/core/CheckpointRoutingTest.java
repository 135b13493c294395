package io.litestream4j.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The application's own {@code PRAGMA wal_checkpoint}, routed to the replicator of its database. */
class CheckpointRoutingTest {

	private static final int PAGE_SIZE = 4096;

	@TempDir
	Path dir;

	@Test
	void recognisesOnlyWholeCheckpointPragmasOfTheMainSchema() {
		assertThat(CheckpointRouting.checkpointMode("PRAGMA wal_checkpoint(TRUNCATE)")).isEqualTo(CheckpointMode.TRUNCATE);
		assertThat(CheckpointRouting.checkpointMode("  pragma main.WAL_CHECKPOINT ( restart ) ; "))
			.isEqualTo(CheckpointMode.RESTART);
		assertThat(CheckpointRouting.checkpointMode("PRAGMA wal_checkpoint=full")).isEqualTo(CheckpointMode.FULL);
		assertThat(CheckpointRouting.checkpointMode("PRAGMA wal_checkpoint")).isEqualTo(CheckpointMode.PASSIVE);
		assertThat(CheckpointRouting.checkpointMode("PRAGMA wal_checkpoint(whatever)")).isEqualTo(CheckpointMode.PASSIVE);
		assertThat(CheckpointRouting.checkpointMode("PRAGMA other.wal_checkpoint(TRUNCATE)")).isNull();
		assertThat(CheckpointRouting.checkpointMode("PRAGMA wal_checkpoint(TRUNCATE); DROP TABLE t")).isNull();
		assertThat(CheckpointRouting.checkpointMode("SELECT 'PRAGMA wal_checkpoint(TRUNCATE)'")).isNull();
		assertThat(CheckpointRouting.checkpointMode("PRAGMA wal_autocheckpoint = 0")).isNull();
		assertThat(CheckpointRouting.checkpointMode(null)).isNull();
	}

	@Test
	void applicationTruncatesWhileWritingAndTheGenerationContinues() throws Exception {
		Path dbPath = dir.resolve("app.db");
		FileReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
		try (HikariDataSource pool = pool(dbPath)) {
			try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
				s.execute("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, writer INTEGER, payload TEXT)");
			}
			try (DB db = new DB(DbOptions.defaults(dbPath))) {
				db.addReplica(ReplicaOptions.defaults("file").withSyncInterval(Duration.ofMillis(50)), client);
				db.start();
				db.syncAndWait(Duration.ofSeconds(30));
				String generation = db.generation();
				long indexBefore = db.pos().index();

				AtomicBoolean writing = new AtomicBoolean(true);
				AtomicLong committed = new AtomicLong();
				ExecutorService threads = Executors.newFixedThreadPool(3);
				List<Future<?>> writers = new ArrayList<>();
				for (int w = 0; w < 2; w++) {
					int writer = w;
					writers.add(threads.submit(() -> {
						while (writing.get()) {
							try (Connection c = CheckpointRouting.wrap(pool.getConnection(), () -> db);
									PreparedStatement insert = c.prepareStatement(
											"INSERT INTO events (writer, payload) VALUES (?, ?)")) {
								insert.setInt(1, writer);
								insert.setString(2, "x".repeat(500));
								insert.executeUpdate();
								committed.incrementAndGet();
							}
						}
						return null;
					}));
				}
				List<long[]> answers = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					Thread.sleep(200);
					try (Connection c = CheckpointRouting.wrap(pool.getConnection(), () -> db);
							Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
						assertThat(rs.next()).isTrue();
						answers.add(new long[] { rs.getLong("busy"), rs.getLong("log"), rs.getLong("checkpointed") });
					}
				}
				writing.set(false);
				for (Future<?> writer : writers) {
					writer.get();
				}
				threads.shutdown();

				assertThat(answers).as("SQLite's answer to a successful TRUNCATE").allSatisfy(
						answer -> assertThat(answer).containsExactly(0, 0, 0));
				assertThat(committed.get()).isPositive();
				assertThat(db.stats().checkpointCount()).isGreaterThanOrEqualTo(5);
				assertThat(db.generation()).as("no generation broken").isEqualTo(generation);
				assertThat(db.stats().generationChanges()).isEqualTo(1);
				assertThat(db.pos().index()).as("each TRUNCATE restarted the WAL").isGreaterThanOrEqualTo(indexBefore + 5);

				// Quiet now: a last TRUNCATE leaves at most the replicator's own restart frame.
				try (Connection c = CheckpointRouting.wrap(pool.getConnection(), () -> db);
						Statement s = c.createStatement()) {
					assertThat(s.execute("PRAGMA wal_checkpoint(TRUNCATE)")).isTrue();
					try (ResultSet rs = s.getResultSet()) {
						assertThat(rs.next()).isTrue();
						assertThat(rs.getInt(1)).isZero();
					}
				}
				assertThat(Files.size(Path.of(dbPath + "-wal"))).isLessThanOrEqualTo(32 + 2 * (24 + PAGE_SIZE));
				db.syncAndWait(Duration.ofSeconds(30));
				assertThat(db.generation()).isEqualTo(generation);
			}
			Path restored = new Restorer(client).restore(RestoreOptions.latest(dir.resolve("restored.db"))).path();
			try (Connection c = pool.getConnection(); Statement s = c.createStatement();
					ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
				rs.next();
				assertThat(TestDatabases.count(restored, "events")).isEqualTo(rs.getLong(1));
			}
			assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath));
		}
	}

	@Test
	void preparedPragmaAndOtherModesAnswerLikeSqlite() throws Exception {
		Path dbPath = dir.resolve("modes.db");
		try (HikariDataSource pool = pool(dbPath)) {
			try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
				s.execute("CREATE TABLE t (x TEXT)");
			}
			try (DB db = new DB(DbOptions.defaults(dbPath))) {
				db.addReplica(ReplicaOptions.defaults("file"), new FileReplicaClient(dir.resolve("replica")));
				db.start();
				String generation;
				try (Connection c = CheckpointRouting.wrap(pool.getConnection(), () -> db)) {
					insert(c, 10);
					db.sync();
					generation = db.generation();
					long checkpoints = db.stats().checkpointCount();
					try (PreparedStatement full = c.prepareStatement("PRAGMA wal_checkpoint(FULL)");
							ResultSet rs = full.executeQuery()) {
						assertThat(full.getConnection()).isSameAs(c);
						rs.next();
						assertThat(rs.getInt(1)).isZero();
						assertThat(rs.getLong(2)).isPositive().isEqualTo(rs.getLong(3));
					}
					assertThat(db.stats().checkpointCount()).isGreaterThan(checkpoints);

					insert(c, 1);
					long indexBefore = db.pos().index();
					try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(RESTART)")) {
						rs.next();
						assertThat(rs.getInt(1)).isZero();
						assertThat(rs.getLong(2)).isPositive().isEqualTo(rs.getLong(3));
					}
					assertThat(db.pos().index()).as("RESTART restarted the WAL at once").isGreaterThan(indexBefore);

					// Inside the application's transaction the pragma is SQLite's own business.
					long routed = db.stats().checkpointCount();
					c.setAutoCommit(false);
					try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
						assertThat(rs.next()).isTrue();
					}
					c.rollback();
					c.setAutoCommit(true);
					assertThat(db.stats().checkpointCount()).isEqualTo(routed);
				}
				assertThat(db.generation()).isEqualTo(generation);
			}
			// Not replicated: SQLite runs it; the table still holds everything.
			try (Connection c = CheckpointRouting.wrap(pool.getConnection(), () -> null); Statement s = c.createStatement();
					ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
				rs.next();
				assertThat(rs.getInt(1)).isZero();
				assertThat(Files.size(Path.of(dbPath + "-wal"))).isZero();
			}
			assertThat(TestDatabases.count(dbPath, "t")).isEqualTo(11);
		}
	}

	private static void insert(Connection c, int rows) throws Exception {
		try (PreparedStatement insert = c.prepareStatement("INSERT INTO t VALUES (?)")) {
			for (int i = 0; i < rows; i++) {
				insert.setString(1, "row " + i);
				insert.executeUpdate();
			}
		}
	}

	private static HikariDataSource pool(Path dbPath) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:sqlite:" + dbPath);
		config.setMaximumPoolSize(4);
		config.addDataSourceProperty("journal_mode", "WAL");
		config.addDataSourceProperty("busy_timeout", "10000");
		return new HikariDataSource(config);
	}

}
