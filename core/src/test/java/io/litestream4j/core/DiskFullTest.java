package io.litestream4j.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Disk full on the local side: the database and the engine's shadow directory on a 20 MB tmpfs. Needs
 * permission to mount (root with CAP_SYS_ADMIN); skipped otherwise, also under CI=true, since that is a
 * property of the machine, not of the code.
 */
class DiskFullTest {

	private static final Logger log = LoggerFactory.getLogger(DiskFullTest.class);

	@TempDir
	Path dir;

	private Path small;

	private boolean mounted;

	@BeforeEach
	void mountSmallDisk() throws Exception {
		small = Files.createDirectories(dir.resolve("small"));
		String result = run("mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", small.toString());
		mounted = result == null;
		Assumptions.assumeTrue(mounted, "cannot mount a 20 MB tmpfs for the disk-full test (needs root with "
				+ "CAP_SYS_ADMIN; an environment permission, so skipped even under CI=true): " + result);
	}

	@AfterEach
	void unmount() throws Exception {
		if (mounted) {
			// Lazy: the engine's process-wide handle on the database file may still be open.
			String result = run("umount", "-l", small.toString());
			assertThat(result).as("umount " + small).isNull();
		}
	}

	@Test
	void fullDiskGivesAClearErrorKeepsTheShadowIntactAndRecovers() throws Exception {
		Path db = small.resolve("app.db");
		FileReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
		Path filler = small.resolve("filler");
		// No checkpoint inside the test, so the WAL keeps what the shadow copies.
		try (Connection app = TestDatabases.appConnection(db);
				DB engine = new DB(DbOptions.defaults(db).withCheckpointPageCounts(100_000, 0))) {
			app.createStatement().execute("CREATE TABLE items (id INTEGER PRIMARY KEY, value BLOB)");
			Replica replica = engine.addReplica(ReplicaOptions.defaults("file").withSyncInterval(Duration.ofMillis(100)),
					client);
			engine.open();
			insert(app, 0, 500);
			engine.syncAndWait(Duration.ofSeconds(30));
			String generation = engine.generation();
			Pos before = engine.pos();

			// Leave about 3 MB: enough for the application's 2 MB commit in the WAL, not for the shadow's copy.
			fill(filler, 3L << 20);
			insert(app, 1000, 2 * 1024 * 1024 / 4000);
			assertThatThrownBy(engine::sync).isInstanceOf(ReplicationException.class)
				.hasMessageContaining(db.toString())
				.hasMessageContaining("No space left on device");
			// The shadow is exactly what it was: nothing half-copied for the replica to upload.
			assertThat(engine.pos()).isEqualTo(before);
			assertThat(engine.stats().lastSyncError()).contains("shadow wal");
			log.info("disk full: sync failed with \"{}\"", engine.stats().lastSyncError());

			Files.delete(filler);
			long freed = System.nanoTime();
			engine.syncAndWait(Duration.ofSeconds(30));
			long recoveryMs = (System.nanoTime() - freed) / 1_000_000;
			log.info("disk full: replicating again {} ms after space returned, generation kept: {}", recoveryMs,
					generation.equals(engine.generation()));
			assertThat(engine.generation()).as("the shadow continued, no new generation").isEqualTo(generation);
			assertThat(replica.lag()).isEqualTo(Duration.ZERO);
		}
		Path restored = new Restorer(client).restore(RestoreOptions.latest(dir.resolve("restored.db"))).path();
		assertThat(TestDatabases.integrityCheck(restored)).isEqualTo("ok");
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(db));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(500 + 2 * 1024 * 1024 / 4000);
	}

	private static void insert(Connection app, int from, int count) throws SQLException {
		Random random = new Random(from);
		app.setAutoCommit(false);
		try (PreparedStatement insert = app.prepareStatement("INSERT INTO items (id, value) VALUES (?, ?)")) {
			for (int i = from; i < from + count; i++) {
				byte[] value = new byte[4000];
				random.nextBytes(value);
				insert.setInt(1, i);
				insert.setBytes(2, value);
				insert.executeUpdate();
			}
			app.commit();
		}
		finally {
			app.setAutoCommit(true);
		}
	}

	/** Writes a file until only about {@code leave} bytes remain free on its file system. */
	private static void fill(Path filler, long leave) throws IOException {
		byte[] chunk = new byte[64 * 1024];
		try (OutputStream out = Files.newOutputStream(filler)) {
			while (Files.getFileStore(filler).getUsableSpace() > leave + chunk.length) {
				out.write(chunk);
				out.flush();
			}
		}
	}

	/** Runs a command; null on success, else its output and exit code. */
	private static String run(String... command) throws IOException, InterruptedException {
		Process process;
		try {
			process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			return ex.getMessage();
		}
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			return command[0] + " timed out";
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
	}

}
