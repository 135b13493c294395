package io.litestream4j.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.ExternalProcess;
import io.litestream4j.core.testing.ItemsWorkload;
import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Snapshots, segments and restores stream: a database and a single transaction several times larger than
 * the heap are replicated and restored by JVMs limited to a 32 MB heap.
 */
class BoundedMemoryTest {

	private static final List<String> SMALL_HEAP = List.of("-Xmx32m", "-XX:+UseSerialGC");

	@TempDir
	Path dir;

	@Test
	void databaseAndTransactionLargerThanTheHeapReplicateAndRestore() throws Exception {
		Path db = dir.resolve("big.db");
		Path replica = dir.resolve("replica");
		try (Connection app = TestDatabases.appConnection(db)) {
			ItemsWorkload items = new ItemsWorkload(app);
			app.setAutoCommit(false);
			items.insert(0, 25_000, 4000); // ~100 MB of incompressible pages in one transaction
			app.commit();
			app.setAutoCommit(true);
			// The large transaction becomes one WAL segment; checkpointed, the next run snapshots it too.
			ExternalProcess.runMain(ReplicateOnce.class, SMALL_HEAP, List.of(db.toString(), replica.toString()));
			items.exec("PRAGMA wal_checkpoint(TRUNCATE)");
			items.insert(100_000, 10, 100);
			ExternalProcess.runMain(ReplicateOnce.class, SMALL_HEAP, List.of(db.toString(), replica.toString()));
		}
		assertThat(Files.size(db)).isGreaterThan(90L * 1024 * 1024);

		Path restored = dir.resolve("restored.db");
		ExternalProcess.runMain(RestoreOnce.class, SMALL_HEAP, List.of(replica.toString(), restored.toString()));

		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(db));
	}

	/** Replicates a database once to a file replica, then stops. */
	public static final class ReplicateOnce {

		public static void main(String[] args) {
			try (DB db = new DB(DbOptions.defaults(Path.of(args[0])))) {
				db.addReplica(ReplicaOptions.defaults("file"), new FileReplicaClient(Path.of(args[1])));
				db.open();
				db.syncAndWait(Duration.ofMinutes(2));
			}
		}

	}

	/** Restores the latest state of a file replica. */
	public static final class RestoreOnce {

		public static void main(String[] args) {
			RestoreResult result = new Restorer(new FileReplicaClient(Path.of(args[0])))
				.restore(RestoreOptions.latest(Path.of(args[1])));
			if (!"ok".equals(result.integrity())) {
				throw new IllegalStateException("integrity: " + result.integrity());
			}
		}

	}

}
