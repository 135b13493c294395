package io.litestream4j.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.testing.S3ProxyServer;
import io.litestream4j.core.testing.TestDatabases;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The single-writer lease on a replica path, against S3Proxy (conditional PutObject) and file replicas
 * (compare-and-swap under a file lock): a second instance waits naming the holder, a restarted holder
 * takes its lease back at once, an idle holder makes no request, and retention leaves alone what
 * another instance writes.
 */
class LeaseTest {

	@RegisterExtension
	static final S3ProxyServer s3proxy = new S3ProxyServer();

	private static final Duration TTL = Duration.ofSeconds(3);

	private static final Duration WAIT = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
	}

	/** S3Proxy 3.0.0 (filesystem backend) honours both conditional headers on PutObject. */
	@Test
	void s3ProxyHonoursConditionalPuts() {
		try (S3Client s3 = io.litestream4j.core.s3.S3ClientFactory.create(s3proxy.replicaConfig("probe"))) {
			String key = "probe/" + Generations.newGeneration() + "/lease.json";
			String first = s3.putObject(b -> b.bucket(s3proxy.bucket()).key(key).ifNoneMatch("*"),
					RequestBody.fromString("one")).eTag();
			assertThatThrownBy(() -> s3.putObject(b -> b.bucket(s3proxy.bucket()).key(key).ifNoneMatch("*"),
					RequestBody.fromString("two")))
				.isInstanceOfSatisfying(S3Exception.class, ex -> assertThat(ex.statusCode()).isEqualTo(412));
			assertThatThrownBy(() -> s3.putObject(b -> b.bucket(s3proxy.bucket()).key(key).ifMatch("\"0123\""),
					RequestBody.fromString("three")))
				.isInstanceOfSatisfying(S3Exception.class, ex -> assertThat(ex.statusCode()).isEqualTo(412));
			String second = s3.putObject(b -> b.bucket(s3proxy.bucket()).key(key).ifMatch(first),
					RequestBody.fromString("four")).eTag();
			assertThat(second).isNotEqualTo(first);
			assertThat(s3.getObjectAsBytes(b -> b.bucket(s3proxy.bucket()).key(key)).asUtf8String()).isEqualTo("four");
		}
	}

	@Test
	void s3SecondInstanceWaitsNamingTheHolderAndTakesOverAfterRelease() throws Exception {
		String path = "two-" + Generations.newGeneration();
		secondInstanceWaitsNamingTheHolder(() -> s3Client(path));
	}

	@Test
	void fileSecondInstanceWaitsNamingTheHolderAndTakesOverAfterRelease() throws Exception {
		Path root = dir.resolve("file-replica");
		secondInstanceWaitsNamingTheHolder(() -> new FileReplicaClient(root));
	}

	private interface ClientFactory {

		ReplicaClient create() throws Exception;

	}

	private void secondInstanceWaitsNamingTheHolder(ClientFactory clients) throws Exception {
		ReplicaClient sharedView = clients.create();
		Instance a = start("a", clients.create(), Duration.ofSeconds(30));
		a.insert(0, 20);
		a.db.syncAndWait(WAIT);
		String holderA = a.db.leaseHolderId();
		assertThat(sharedView.readLease().lease().holder()).isEqualTo(holderA);

		Instance b = start("b", clients.create(), Duration.ofSeconds(30));
		b.insert(100, 20);
		Replica replicaB = b.db.replicas().get(0);
		await("instance b reports the holder", () -> replicaB.lastError() != null);
		assertThat(replicaB.lastError()).contains("held by another instance").contains("holder=" + holderA)
			.contains("pid=" + ProcessHandle.current().pid()).contains(Lease.OBJECT_NAME);
		assertThat(replicaB.pos()).isNull();
		assertThat(sharedView.generations()).containsExactly(a.db.generation());
		// Retention of the waiting instance deletes nothing: a's generation has no snapshot within b's
		// zero-length window, yet it stays.
		replicaB.enforceRetention();
		assertThat(sharedView.generations()).containsExactly(a.db.generation());

		// A graceful stop releases the lease; b takes it without waiting for the ttl.
		long released = System.nanoTime();
		a.db.close();
		b.db.syncAndWait(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - released)).isLessThan(Duration.ofSeconds(20));
		assertThat(sharedView.readLease().lease().holder()).isEqualTo(b.db.leaseHolderId());
		assertThat(sharedView.generations()).contains(a.db.generation(), b.db.generation());
		// By generation: S3Proxy keeps whole seconds, so "latest" cannot tell two generations of one second apart.
		Path restored = new Restorer(sharedView)
			.restore(RestoreOptions.latest(dir.resolve("restored-" + sharedView.type() + ".db"))
				.withGeneration(b.db.generation(), null))
			.path();
		assertThat(TestDatabases.contentDigest(restored)).isEqualTo(TestDatabases.contentDigest(b.path));
	}

	@Test
	void idleHolderLetsTheLeaseLapseWithoutARequestThenTheOtherInstanceTakesIt() throws Exception {
		String path = "lapse-" + Generations.newGeneration();
		S3ReplicaClient view = s3Client(path);
		Instance a = start("a", s3Client(path), TTL);
		a.insert(0, 10);
		a.db.syncAndWait(WAIT);
		Instant heldUntil = a.db.replicas().get(0).leaseHeldUntil();
		assertThat(heldUntil).isNotNull();
		Thread.sleep(300);
		int mark = s3proxy.requestCount();

		Thread.sleep(TTL.toMillis() + 1000);

		assertThat(s3proxy.requestsSince(mark)).as("requests of an idle holder while its lease lapses").isEmpty();
		assertThat(view.readLease().lease().isExpired(Instant.now())).isTrue();

		// Another instance takes the lapsed lease at once ...
		Instance b = start("b", s3Client(path), TTL);
		b.insert(100, 10);
		b.db.syncAndWait(WAIT);
		assertThat(view.readLease().lease().holder()).isEqualTo(b.db.leaseHolderId());
		// ... and the former holder, writing again, now waits naming it.
		a.insert(200, 5);
		Replica replicaA = a.db.replicas().get(0);
		await("instance a reports the new holder",
				() -> replicaA.lastError() != null && replicaA.lastError().contains(b.db.leaseHolderId()));
		assertThat(replicaA.lag()).isPositive();
	}

	@Test
	void sameHolderRestartedTakesItsUnexpiredLeaseBackAtOnce() throws Exception {
		String path = "restart-" + Generations.newGeneration();
		S3ReplicaClient view = s3Client(path);
		Instance a = start("a", s3Client(path), Duration.ofSeconds(30));
		a.insert(0, 10);
		a.db.syncAndWait(WAIT);
		String holder = a.db.leaseHolderId();
		a.db.close();
		// As kill -9 leaves it: a lease of this holder id (another pid) valid for a long time yet.
		StoredLease released = view.readLease();
		assertThat(view.writeLease(new Lease(holder, "crashed-host", 999_999, Instant.now().plusSeconds(600)),
				released.version())).isNotNull();

		long started = System.nanoTime();
		Instance again = start("a", s3Client(path), Duration.ofSeconds(30));
		again.insert(100, 10);
		again.db.syncAndWait(WAIT);

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
		assertThat(again.db.leaseHolderId()).isEqualTo(holder);
		Lease now = view.readLease().lease();
		assertThat(now.holder()).isEqualTo(holder);
		assertThat(now.pid()).isEqualTo(ProcessHandle.current().pid());
	}

	@Test
	void fileLeaseIsACompareAndSwap() throws Exception {
		FileReplicaClient client = new FileReplicaClient(dir.resolve("cas"));
		Lease lease = new Lease("h1", "host \"q\"", 1, Instant.parse("2030-01-01T00:00:00Z"));
		assertThat(client.readLease()).isNull();
		String v1 = client.writeLease(lease, null);
		assertThat(v1).isNotNull();
		assertThat(client.writeLease(lease.withExpiry(Instant.now()), null)).as("create when present").isNull();
		assertThat(client.writeLease(lease.withExpiry(Instant.now()), "wrong")).as("replace, stale version").isNull();
		String v2 = client.writeLease(lease.withExpiry(Instant.parse("2031-01-01T00:00:00Z")), v1);
		assertThat(v2).isNotNull().isNotEqualTo(v1);
		assertThat(client.writeLease(lease, v1)).as("replace with the superseded version").isNull();
		StoredLease stored = client.readLease();
		assertThat(stored.version()).isEqualTo(v2);
		assertThat(stored.lease()).isEqualTo(lease.withExpiry(Instant.parse("2031-01-01T00:00:00Z")));
		assertThat(Files.readString(dir.resolve("cas/lease.json"))).contains("\"holder\":\"h1\"");
	}

	// --- helpers ------------------------------------------------------------------------------------

	private final class Instance implements AutoCloseable {

		final Path path;

		final DB db;

		final Connection app;

		Instance(Path path, DB db, Connection app) {
			this.path = path;
			this.db = db;
			this.app = app;
		}

		void insert(int from, int count) throws SQLException {
			try (Statement statement = app.createStatement()) {
				for (int i = from; i < from + count; i++) {
					statement.execute("INSERT INTO items (id, name) VALUES (" + i + ", 'item-" + i + "')");
				}
			}
		}

		@Override
		public void close() throws Exception {
			db.close();
			app.close();
		}

	}

	private Instance start(String name, ReplicaClient client, Duration ttl) throws SQLException {
		Path path = dir.resolve(name).resolve("app.db");
		try {
			Files.createDirectories(path.getParent());
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
		Connection app = TestDatabases.appConnection(path);
		try (Statement statement = app.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)");
		}
		DB db = new DB(DbOptions.defaults(path), new LeaseOptions(true, ttl));
		db.addReplica(ReplicaOptions.defaults("r").withSyncInterval(Duration.ofMillis(100)), client);
		db.start();
		Instance instance = new Instance(path, db, app);
		closeables.add(instance);
		return instance;
	}

	private S3ReplicaClient s3Client(String path) {
		S3ReplicaClient client = S3ReplicaClient.create(s3proxy.replicaConfig(path));
		closeables.add(client);
		return client;
	}

	private static void await(String what, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out waiting until " + what);
			}
			Thread.sleep(50);
		}
	}

}
