package io.litestream4j.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A damaged replica (an object truncated, corrupted or missing) is refused with an error naming the
 * object, never restored into a silently wrong database; asked for an earlier index, restore goes up to
 * the last good point.
 */
class ReplicaDamageTest {

	@TempDir
	Path dir;

	private FileReplicaClient client;

	private String generation;

	private long lastIndex;

	@BeforeEach
	void replicateSeveralIndexes() throws Exception {
		Path db = dir.resolve("app.db");
		client = new FileReplicaClient(dir.resolve("replica"));
		try (Connection app = TestDatabases.appConnection(db); DB engine = new DB(DbOptions.defaults(db)
			.withCheckpointPageCounts(20, 0))) {
			app.createStatement().execute("CREATE TABLE items (id INTEGER PRIMARY KEY, value BLOB)");
			engine.addReplica(ReplicaOptions.defaults("file").withSyncInterval(Duration.ofMillis(50)), client);
			engine.start();
			Random random = new Random(7);
			int id = 0;
			// Several uploads per WAL index and several indexes: checkpoints at 20 pages restart the WAL.
			while (engine.pos() == null || engine.pos().index() < 3) {
				try (PreparedStatement insert = app.prepareStatement("INSERT INTO items (id, value) VALUES (?, ?)")) {
					byte[] value = new byte[3000];
					random.nextBytes(value);
					insert.setInt(1, id++);
					insert.setBytes(2, value);
					insert.executeUpdate();
				}
				engine.syncAndWait(Duration.ofSeconds(30));
				assertThat(id).as("WAL restarts within the workload").isLessThan(2000);
			}
			generation = engine.generation();
			lastIndex = engine.pos().index();
		}
		assertThat(client.snapshots(generation)).isNotEmpty();
		Path restored = new Restorer(client).restore(RestoreOptions.latest(dir.resolve("intact.db"))).path();
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dir.resolve("app.db")));
	}

	@AfterEach
	void noPartialOutput() {
		assertThat(dir.resolve("restored.db")).doesNotExist();
	}

	@Test
	void truncatedWalSegmentIsRefusedNamingIt() throws Exception {
		WalSegmentInfo segment = segmentsOf(1).get(0);
		Path object = object(ReplicaLayout.walSegmentKey(segment.pos()));
		truncate(object);

		assertRefused(ReplicaLayout.walSegmentKey(segment.pos()));
		// Asked for the index before the damage, restore goes up to that good point.
		Path upTo = new Restorer(client)
			.restore(RestoreOptions.latest(dir.resolve("partial.db")).withGeneration(generation, 0L))
			.path();
		assertThat(TestDatabases.integrityCheck(upTo)).isEqualTo("ok");
	}

	@Test
	void truncatedSnapshotIsRefusedNamingIt() throws Exception {
		SnapshotInfo snapshot = client.snapshots(generation).get(0);
		truncate(object(ReplicaLayout.snapshotKey(generation, snapshot.index())));

		assertRefused(ReplicaLayout.snapshotKey(generation, snapshot.index()));
	}

	@Test
	void corruptedSnapshotIsRefusedNamingIt() throws Exception {
		SnapshotInfo snapshot = client.snapshots(generation).get(0);
		Path object = object(ReplicaLayout.snapshotKey(generation, snapshot.index()));
		byte[] bytes = Files.readAllBytes(object);
		bytes[bytes.length / 2] ^= 0x20;
		Files.write(object, bytes);

		assertRefused(ReplicaLayout.snapshotKey(generation, snapshot.index()));
	}

	@Test
	void missingSegmentInsideAnIndexIsRefusedNamingTheNextOne() throws Exception {
		List<WalSegmentInfo> segments = segmentsOf(1);
		assertThat(segments).as("segments of index 1").hasSizeGreaterThan(2);
		Files.delete(object(ReplicaLayout.walSegmentKey(segments.get(1).pos())));

		assertRefused(ReplicaLayout.walSegmentKey(segments.get(2).pos()), "does not start where the previous one ended");
	}

	@Test
	void missingWholeIndexIsRefusedNamingIt() throws Exception {
		for (WalSegmentInfo segment : segmentsOf(1)) {
			Files.delete(object(ReplicaLayout.walSegmentKey(segment.pos())));
		}

		assertRefused(generation + "/" + Generations.hex8(1), "missing WAL index");
	}

	@Test
	void missingFirstSegmentOfAnIndexIsRefused() throws Exception {
		Files.delete(object(ReplicaLayout.walSegmentKey(segmentsOf(2).get(0).pos())));

		assertRefused(generation + "/" + Generations.hex8(2), "missing initial wal segment");
	}

	@Test
	void missingSnapshotIsRefusedNamingTheGeneration() throws Exception {
		for (SnapshotInfo snapshot : client.snapshots(generation)) {
			Files.delete(object(ReplicaLayout.snapshotKey(generation, snapshot.index())));
		}

		assertRefused(generation, "no snapshot");
	}

	private List<WalSegmentInfo> segmentsOf(long index) throws Exception {
		assertThat(lastIndex).isGreaterThanOrEqualTo(index);
		return client.walSegments(generation).stream().filter(s -> s.index() == index).toList();
	}

	private Path object(String key) {
		return client.root().resolve(key);
	}

	private static void truncate(Path object) throws Exception {
		byte[] bytes = Files.readAllBytes(object);
		Files.write(object, java.util.Arrays.copyOf(bytes, bytes.length / 2));
	}

	private void assertRefused(String... expected) {
		assertThatThrownBy(() -> new Restorer(client).restore(RestoreOptions.latest(dir.resolve("restored.db"))))
			.isInstanceOf(ReplicationException.class)
			.satisfies(ex -> {
				for (String part : expected) {
					assertThat(ex.getMessage()).contains(part);
				}
			});
	}

}
