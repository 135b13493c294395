package io.litestream4j.core.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.litestream4j.core.Generations;
import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.testing.ExternalProcess;
import io.litestream4j.core.testing.S3ProxyServer;
import io.litestream4j.core.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults around a real application process ({@link FaultWriter}: the engine plus a steady write load in
 * its own JVM, replicating to S3Proxy): kill -9 at random moments, the store down for a while, SIGTERM
 * during a burst, and another process checkpointing, vacuuming and committing a transaction larger than
 * 100 MB. Each case restores the replica, requires integrity_check ok and every commit acknowledged more
 * than the loss bound before the fault, and logs what was lost and how long recovery took.
 */
class ProcessFaultTest {

	private static final Logger log = LoggerFactory.getLogger(ProcessFaultTest.class);

	@RegisterExtension
	static final S3ProxyServer s3 = new S3ProxyServer();

	private static final long SYNC_MS = 1000;

	/**
	 * What a fault may lose: commits of the last sync interval, plus the time one upload takes on this
	 * shared 2-core machine (a commit is seen within 20 ms, then waits at most one interval for its PUT).
	 */
	private static final long LOSS_BOUND_MS = SYNC_MS + 1000;

	private static final Duration WAIT = Duration.ofSeconds(90);

	@TempDir
	Path dir;

	private final List<WriterProcess> writers = new ArrayList<>();

	@AfterEach
	void tearDown() throws Exception {
		for (WriterProcess writer : writers) {
			writer.close();
		}
		if (!s3.isRunning()) {
			s3.start();
		}
	}

	@Test
	void killNineAtRandomMomentsLosesNothingBeyondTheBoundAndResumesTheGeneration() throws Exception {
		int rounds = Integer.getInteger("litestream4j.faults.rounds", 3);
		long seed = System.nanoTime();
		Random random = new Random(seed);
		String path = "kill-" + Generations.newGeneration();
		WriterProcess writer = startWriter(path, "pause=20");
		String generation = writer.awaitStatus("the first upload", s -> s.replicating() && s.okAt() > 0, WAIT).generation();
		long worstLossMs = 0;
		long worstRecoveryMs = 0;
		int lostTotal = 0;
		for (int round = 1; round <= rounds; round++) {
			Thread.sleep(1500 + random.nextInt(2500));
			long killedAt = System.currentTimeMillis();
			writer.kill();

			Loss loss = checkRestore(path, killedAt, "kill -9 round " + round + " (seed " + seed + ")");
			worstLossMs = Math.max(worstLossMs, loss.oldestLostAgeMs());
			lostTotal += loss.lost();

			writer = startWriter(path, "pause=20");
			long restartedAt = writer.startedAt();
			WriterProcess.Status back = writer.awaitStatus("caught up after restart",
					s -> s.replicating() && s.okAt() >= restartedAt && s.lagMs() < SYNC_MS + 500, WAIT);
			long recoveryMs = back.okAt() - killedAt;
			worstRecoveryMs = Math.max(worstRecoveryMs, recoveryMs);
			log.info("kill -9 round {}: acknowledged={} lost={} (oldest lost acknowledged {} ms before the kill), "
					+ "replicating again {} ms after the kill (JVM start included), generation {}", round,
					loss.acknowledged(), loss.lost(), loss.oldestLostAgeMs(), recoveryMs, back.generation());
			// The WAL survives kill -9 unchanged, so the history continues in the same generation.
			assertThat(back.generation()).as("generation after round " + round).isEqualTo(generation);
			// The same holder id takes its lease back at once; a stranger would wait for the 30 s ttl.
			assertThat(recoveryMs).as("recovery after round " + round).isLessThan(15_000);
			assertThat(writer.lines()).noneMatch(line -> line.contains("held by another instance"));
		}
		Thread.sleep(1000);
		writer.terminate(WAIT);
		assertThat(writer.lines()).anyMatch(line -> line.startsWith("STOPPED lagMs=0 "));
		Path restored = checkEverythingArrived(path, "after " + rounds + " kill -9 rounds");
		log.info("kill -9 summary: rounds={} lost in total={} worst oldest-lost age={} ms (bound {} ms) "
				+ "worst recovery={} ms; final restore complete", rounds, lostTotal, worstLossMs, LOSS_BOUND_MS,
				worstRecoveryMs);
		assertThat(TestDatabases.count(restored, "t")).isPositive();
	}

	@Test
	void killNineThenTheWalRewrittenWhileDownStartsANewGenerationAndLosesNothing() throws Exception {
		String path = "rewritten-" + Generations.newGeneration();
		WriterProcess writer = startWriter(path, "pause=20");
		String before = writer.awaitStatus("the first upload", s -> s.replicating() && s.okAt() > 0, WAIT).generation();
		Thread.sleep(1500);
		writer.kill();
		// While the application is down another process writes and resets the WAL: the shadow can no
		// longer prove continuity, so the restarted engine must begin a new generation with a snapshot.
		ExternalProcess.runSql(dir.resolve("app.db"), "INSERT INTO t (id, at, pad) VALUES (-5, 0, x'05')",
				"PRAGMA wal_checkpoint(TRUNCATE)", "INSERT INTO t (id, at, pad) VALUES (-6, 0, x'06')");
		writer = startWriter(path, "pause=20");
		WriterProcess.Status after = writer.awaitStatus("replicating a new generation",
				s -> s.replicating() && !s.generation().equals(before), WAIT);
		Thread.sleep(1500);
		writer.terminate(WAIT);
		Path restored = checkEverythingArrived(path, "after the WAL was rewritten while the application was down");
		assertThat(ids(restored)).contains(-5L, -6L);
		log.info("kill -9 with the WAL rewritten while down: generation {} -> {} ({} changes in the new process)",
				before, after.generation(), after.generationChanges());
	}

	@Test
	void storeDownForAWhileThenEverythingArrives() throws Exception {
		String path = "outage-" + Generations.newGeneration();
		WriterProcess writer = startWriter(path, "pause=20");
		writer.awaitStatus("the first upload", s -> s.replicating() && s.okAt() > 0, WAIT);
		Thread.sleep(1000);
		long downAt = System.currentTimeMillis();
		s3.stop();
		WriterProcess.Status during;
		long upAt;
		try {
			Thread.sleep(6000);
			during = writer.lastStatus();
		}
		finally {
			s3.start();
			upAt = System.currentTimeMillis();
		}
		// Lag rose while the store was down ...
		assertThat(during.lagMs()).as("lag after 6 s down").isGreaterThan(4000);
		assertThat(during.errors()).isPositive();
		// ... and returns below one interval once it is back.
		WriterProcess.Status caughtUp = writer.awaitStatus("catching up after the outage",
				s -> s.replicating() && s.okAt() > upAt && s.lagMs() < SYNC_MS + 500, WAIT);
		long recoveryMs = caughtUp.okAt() - upAt;
		Loss loss = checkRestore(path, System.currentTimeMillis(), "after the outage");
		writer.terminate(WAIT);
		checkEverythingArrived(path, "after the outage and a graceful stop");
		log.info("store outage: down {} ms, lag reached {} ms, replicating again {} ms after the store came back; "
				+ "lost after recovery: {} (beyond the bound: none)", upAt - downAt, during.lagMs(), recoveryMs, loss.lost());
		assertThat(recoveryMs).isLessThan(40_000);
	}

	@Test
	void sigtermDuringABurstKeepsTheLastAcknowledgedWrite() throws Exception {
		String path = "sigterm-" + Generations.newGeneration();
		WriterProcess writer = startWriter(path, "pause=0", "pad=100");
		writer.awaitStatus("the first upload", s -> s.replicating() && s.okAt() > 0, WAIT);
		Thread.sleep(1500);
		// Another process commits right before the SIGTERM, and the burst is still running.
		ExternalProcess.runSql(dir.resolve("app.db"), "INSERT INTO t (id, at, pad) VALUES (-1, 0, x'00')");
		long termAt = System.currentTimeMillis();
		int exit = writer.terminate(WAIT);
		long stoppedMs = System.currentTimeMillis() - termAt;
		assertThat(writer.lines()).as("exit " + exit).anyMatch(line -> line.startsWith("STOPPED lagMs=0 "));
		Path restored = checkEverythingArrived(path, "after SIGTERM during a burst");
		assertThat(ids(restored)).contains(-1L);
		Map<Long, Long> acks = FaultWriter.readAcks(acks());
		long lastAck = acks.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
		log.info("SIGTERM during a burst: {} commits acknowledged, last id {} present, graceful stop took {} ms",
				acks.size(), lastAck, stoppedMs);
		assertThat(acks.size()).isGreaterThan(100);
	}

	@Test
	void checkpointsVacuumAndAHugeTransactionFromAnotherProcessRestoreIdentically() throws Exception {
		String path = "interference-" + Generations.newGeneration();
		WriterProcess writer = startWriter(path, "pause=20");
		writer.awaitStatus("the first upload", s -> s.replicating() && s.okAt() > 0, WAIT);
		Path db = dir.resolve("app.db");
		int busy = 0;
		int done = 0;
		try (Connection other = TestDatabases.appConnection(db); Statement statement = other.createStatement()) {
			// A short busy timeout, so each checkpoint reports busy (the engine's read transaction blocks a
			// full restart) instead of waiting out the whole phase.
			statement.execute("PRAGMA busy_timeout = 100");
			long end = System.currentTimeMillis() + 4000;
			for (int i = 0; System.currentTimeMillis() < end; i++) {
				try (ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(" + (i % 2 == 0 ? "TRUNCATE" : "RESTART") + ")")) {
					rs.next();
					if (rs.getInt(1) != 0) {
						busy++;
					}
					else {
						done++;
					}
				}
				Thread.sleep(200);
			}
			statement.execute("PRAGMA busy_timeout = 10000");
			statement.execute("VACUUM");
			statement.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, data BLOB)");
			long started = System.currentTimeMillis();
			other.setAutoCommit(false);
			byte[] chunk = new byte[1 << 20];
			Random random = new SecureRandom();
			try (PreparedStatement insert = other.prepareStatement("INSERT INTO big (id, data) VALUES (?, ?)")) {
				for (int i = 0; i < 105; i++) {
					random.nextBytes(chunk);
					insert.setInt(1, i);
					insert.setBytes(2, chunk);
					insert.executeUpdate();
				}
			}
			other.commit();
			long committedAt = System.currentTimeMillis();
			log.info("105 MB transaction committed by another process in {} ms", committedAt - started);
			WriterProcess.Status caughtUp = writer.awaitStatus("the huge transaction uploaded",
					s -> s.replicating() && s.okAt() > committedAt && s.lagMs() < SYNC_MS + 500, Duration.ofMinutes(3));
			log.info("interference: TRUNCATE/RESTART checkpoints busy={} completed={}, VACUUM, 105 MB transaction "
					+ "in the replica {} ms after its commit", busy, done, caughtUp.okAt() - committedAt);
		}
		writer.terminate(WAIT);
		Path restored = checkEverythingArrived(path, "after checkpoints, VACUUM and a 105 MB transaction");
		assertThat(TestDatabases.count(restored, "big")).isEqualTo(105);
	}

	@Test
	void rollingDeployTheSecondProcessWaitsNamingTheHolderUntilTheKilledOnesLeaseExpires() throws Exception {
		String path = "rolling-" + Generations.newGeneration();
		Path oldDir = Files.createDirectories(dir.resolve("old"));
		Path newDir = Files.createDirectories(dir.resolve("new"));
		WriterProcess old = WriterProcess.start(oldDir.resolve("app.db"), oldDir.resolve("acks.log"), s3, path,
				"sync=" + SYNC_MS, "ttl=5000", "pause=50");
		writers.add(old);
		old.awaitStatus("the old instance's first upload", s -> s.replicating() && s.okAt() > 0, WAIT);
		WriterProcess next = WriterProcess.start(newDir.resolve("app.db"), newDir.resolve("acks.log"), s3, path,
				"sync=" + SYNC_MS, "ttl=5000", "pause=50");
		writers.add(next);
		awaitLine(next, "held by another instance");
		assertThat(next.lines()).anyMatch(line -> line.contains("held by another instance") && line.contains("pid=" + old.pid()));
		assertThat(next.lastStatus().replicating()).isFalse();

		// The old instance dies without releasing: the new one takes over once the 5 s ttl has run out.
		long killedAt = System.currentTimeMillis();
		old.kill();
		WriterProcess.Status took = next.awaitStatus("the new instance replicating", s -> s.replicating() && s.okAt() > killedAt, WAIT);
		long takeoverMs = took.okAt() - killedAt;
		// It waited for the lease to expire: the last expiry it was told of had passed before its first upload.
		Instant lastToldExpiry = next.lines().stream()
			.filter(line -> line.contains("held by another instance"))
			.map(line -> Pattern.compile("until=([^)]+)\\)").matcher(line))
			.filter(Matcher::find)
			.map(m -> Instant.parse(m.group(1)))
			.max(Comparator.naturalOrder())
			.orElseThrow();
		assertThat(took.okAt()).isGreaterThanOrEqualTo(lastToldExpiry.toEpochMilli());
		log.info("rolling deploy: second process waited naming pid {}, took over {} ms after the holder was killed "
				+ "(ttl 5000 ms)", old.pid(), takeoverMs);
		assertThat(takeoverMs).isLessThan(5000 + 10_000);
		next.terminate(WAIT);
		try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(path))) {
			Path restored = new Restorer(client)
				.restore(RestoreOptions.latest(dir.resolve("rolling.db")).withGeneration(took.generation(), null))
				.path();
			assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(newDir.resolve("app.db")));
		}
	}

	// --- helpers ------------------------------------------------------------------------------------

	private static void awaitLine(WriterProcess writer, String text) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (writer.lines().stream().noneMatch(line -> line.contains(text))) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("no line with \"" + text + "\" from the writer: " + writer.lines());
			}
			Thread.sleep(50);
		}
	}

	private record Loss(int acknowledged, int lost, long oldestLostAgeMs) {
	}

	private Path acks() {
		return dir.resolve("acks.log");
	}

	private WriterProcess startWriter(String path, String... extra) throws Exception {
		List<String> args = new ArrayList<>(List.of("sync=" + SYNC_MS, "ttl=30000"));
		args.addAll(List.of(extra));
		WriterProcess writer = WriterProcess.start(dir.resolve("app.db"), acks(), s3, path, args.toArray(String[]::new));
		writers.add(writer);
		return writer;
	}

	/** Restores the replica as it is now and checks it against the acknowledgement log at the fault. */
	private Loss checkRestore(String path, long faultAt, String when) throws Exception {
		Path restored = restore(path, when);
		Set<Long> present = ids(restored);
		Map<Long, Long> acks = FaultWriter.readAcks(acks());
		int lost = 0;
		long oldestLostAge = 0;
		for (Map.Entry<Long, Long> ack : acks.entrySet()) {
			if (!present.contains(ack.getKey())) {
				lost++;
				oldestLostAge = Math.max(oldestLostAge, faultAt - ack.getValue());
			}
		}
		assertThat(oldestLostAge).as("age at the fault of the oldest acknowledged commit missing from the replica, "
				+ when + " (" + lost + " of " + acks.size() + " missing)").isLessThanOrEqualTo(LOSS_BOUND_MS);
		return new Loss(acks.size(), lost, oldestLostAge);
	}

	/** After a graceful stop: every acknowledged commit is in the replica and it equals the source. */
	private Path checkEverythingArrived(String path, String when) throws Exception {
		Path restored = restore(path, when);
		Set<Long> present = ids(restored);
		Set<Long> missing = new HashSet<>(FaultWriter.readAcks(acks()).keySet());
		missing.removeAll(present);
		assertThat(missing).as("acknowledged commits missing " + when).isEmpty();
		assertThat(TestDatabases.contentDigest(restored)).as("restore equals the source " + when)
			.isEqualTo(TestDatabases.contentDigest(dir.resolve("app.db")));
		return restored;
	}

	private int restores;

	private Path restore(String path, String when) throws Exception {
		try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig(path))) {
			Path output = dir.resolve("restored-" + (++restores) + ".db");
			RestoreResult result = new Restorer(client).restore(RestoreOptions.latest(output));
			assertThat(result.integrity()).as("integrity " + when).isEqualTo("ok");
			assertThat(TestDatabases.integrityCheck(output)).as("integrity_check " + when).isEqualTo("ok");
			return output;
		}
	}

	private static Set<Long> ids(Path db) throws SQLException {
		Set<Long> ids = new HashSet<>();
		try (Connection connection = TestDatabases.appConnection(db);
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT id FROM t")) {
			while (rs.next()) {
				ids.add(rs.getLong(1));
			}
		}
		return ids;
	}

}
