package io.litestream4j.core.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.litestream4j.core.DbOptions;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.testing.S3ProxyServer;
import io.litestream4j.core.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication over S3 against S3Proxy: the matrix, plus what only a store we control can show: request
 * counts from S3Proxy's own log (idle and busy), and an outage.
 */
class S3ProxyReplicationTest extends S3ReplicationContractTests {

	private static final Logger log = LoggerFactory.getLogger(S3ProxyReplicationTest.class);

	@RegisterExtension
	static final S3ProxyServer s3proxy = new S3ProxyServer();

	@Override
	protected S3ReplicaConfig config(String path) {
		return s3proxy.replicaConfig(path);
	}

	@Test
	void idleMinuteMakesZeroRequests() throws Exception {
		// Default timings except a 10 s checkpoint interval, so checkpoints certainly run inside the idle
		// minute: neither they nor the monitor ticks may cause a request.
		startReplicating(DbOptions.defaults(dbPath()).withCheckpointInterval(Duration.ofSeconds(10)),
				Duration.ofSeconds(1));
		insert(0, 50, 500);
		db.syncAndWait(WAIT);
		Thread.sleep(1500);
		int mark = s3proxy.requestCount();
		long counted = totalRequests();

		Thread.sleep(60_000);

		assertThat(s3proxy.requestsSince(mark)).as("requests S3Proxy saw during an idle minute").isEmpty();
		assertThat(totalRequests()).isEqualTo(counted);
		assertThat(replica.lag()).isEqualTo(Duration.ZERO);
		// Still replicating after the quiet minute: the next commit arrives.
		insert(100, 1, 10);
		db.syncAndWait(WAIT);
		assertThat(s3proxy.requestsSince(mark)).filteredOn(r -> r.startsWith("Request(PUT ")).isNotEmpty();
		Path restored = restore(RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	@Test
	void steadyWritesCostAboutOnePutPerSyncInterval() throws Exception {
		startReplicating(DbOptions.defaults(dbPath()), Duration.ofSeconds(1));
		insert(0, 10, 200);
		db.syncAndWait(WAIT);
		Thread.sleep(1500);
		int mark = s3proxy.requestCount();
		long walBytesBefore = db.stats().totalWalBytes();
		long storedBefore = storedBytes();
		long indexBefore = db.pos().index();
		long checkpointsBefore = db.stats().checkpointCount();
		long started = System.nanoTime();

		// A steady load: one small transaction every 100 ms for a minute.
		long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		int id = 1000;
		while (System.nanoTime() < end) {
			insert(id++, 1, 200);
			Thread.sleep(100);
		}
		db.syncAndWait(WAIT);
		long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

		List<String> requests = s3proxy.requestsSince(mark);
		long newIndexes = db.pos().index() - indexBefore;
		long puts = requests.stream().filter(r -> r.startsWith("Request(PUT ")).count();
		long lists = requests.stream().filter(r -> r.startsWith("Request(GET ") && r.contains("list-type=2")).count();
		long gets = requests.stream().filter(r -> r.startsWith("Request(GET ") && !r.contains("list-type=2")).count();
		long walBytes = db.stats().totalWalBytes() - walBytesBefore;
		long stored = storedBytes() - storedBefore;
		log.info("steady load, 1 commit/100ms for {} s, sync-interval 1s: {} requests: PUT={} LIST={} GET={}; "
				+ "WAL bytes written={} bytes stored={} ({}%) transactions={} new WAL indexes={} checkpoints={}",
				seconds, requests.size(), puts, lists, gets, walBytes, stored,
				walBytes == 0 ? 0 : stored * 100 / walBytes, id - 1000, newIndexes,
				db.stats().checkpointCount() - checkpointsBefore);

		// One upload per sync interval while busy, plus the final one; a WAL restart adds one segment (the
		// end of the old index and the start of the new are separate objects). No listing on this path.
		assertThat(puts).isGreaterThanOrEqualTo(seconds * 3 / 4).isLessThanOrEqualTo(seconds + 2 + 2 * newIndexes);
		assertThat(lists).isLessThanOrEqualTo(2);
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isGreaterThanOrEqualTo(puts);
		Path restored = restore(RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	@Test
	void outageDuringWritesLosesNothing() throws Exception {
		startReplicating(DbOptions.defaults(dbPath()), Duration.ofMillis(200));
		insert(0, 50, 500);
		db.syncAndWait(WAIT);
		try {
			s3proxy.stop();
			Duration lagEarly = null;
			for (int round = 0; round < 20; round++) {
				insert(1000 + round * 10, 10, 500);
				Thread.sleep(250);
				if (round == 7) {
					lagEarly = replica.lag();
				}
			}
			// Lag rises and the failure is on record while the store is down.
			assertThat(lagEarly).isGreaterThan(Duration.ZERO);
			assertThat(replica.lag()).isGreaterThan(Duration.ofSeconds(1)).isGreaterThan(lagEarly);
			assertThat(replica.failingSince()).isNotNull();
			assertThat(replica.lastError()).contains(s3proxy.endpoint()).doesNotContain(s3proxy.secretKey());
		}
		finally {
			s3proxy.start();
		}
		insert(5000, 10, 500);

		db.syncAndWait(WAIT);

		assertThat(replica.lag()).isEqualTo(Duration.ZERO);
		assertThat(replica.failingSince()).isNull();
		assertThat(replica.errorCount()).isPositive();
		Path restored = restore(RestoreOptions.latest(dir.resolve("restored.db")));
		assertThat(TestDatabases.count(restored, "items")).isEqualTo(260);
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(dbPath()));
	}

	private long totalRequests() {
		long total = 0;
		for (ReplicaOperation operation : ReplicaOperation.values()) {
			total += client.counters().requests(operation);
		}
		return total;
	}

	/** Bytes of this replica's objects as S3Proxy stores them. */
	private long storedBytes() throws IOException {
		Path root = s3proxy.dataDir().resolve(s3proxy.bucket()).resolve(client.path());
		if (!Files.exists(root)) {
			return 0;
		}
		try (Stream<Path> files = Files.walk(root)) {
			return files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".lz4")).mapToLong(f -> {
				try {
					return Files.size(f);
				}
				catch (IOException ex) {
					return 0;
				}
			}).sum();
		}
	}

}
