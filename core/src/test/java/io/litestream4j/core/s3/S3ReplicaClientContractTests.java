package io.litestream4j.core.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.SnapshotInfo;
import io.litestream4j.core.WalSegmentInfo;
import io.litestream4j.core.testing.BytesPayload;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The checks every S3 store must pass with {@link S3ReplicaClient}: run against S3Proxy always and
 * against MinIO where Docker is available. Only the S3 API is used, so any store fits.
 */
abstract class S3ReplicaClientContractTests {

	private final List<S3ReplicaClient> clients = new ArrayList<>();

	protected String path;

	/** Settings of a replica under {@code path} in the store's test bucket, with valid credentials. */
	protected abstract S3ReplicaConfig config(String path);

	@BeforeEach
	void uniquePath() {
		path = "test-" + Generations.newGeneration();
	}

	@AfterEach
	void closeClients() {
		clients.forEach(S3ReplicaClient::close);
	}

	@Test
	void writesListsReadsAndDeletesSnapshotsAndSegments() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		byte[] snapshot0 = bytes(1000, 1);
		byte[] snapshot1 = bytes(2000, 2);
		byte[] wal01 = bytes(400, 4);
		Instant before = Instant.now().minusSeconds(2);

		client.writeSnapshot(generation, 1, new BytesPayload(snapshot1));
		client.writeSnapshot(generation, 0, new BytesPayload(snapshot0));
		client.writeWalSegment(new Pos(generation, 1, 0), new BytesPayload(bytes(500, 5)));
		client.writeWalSegment(new Pos(generation, 0, 4152), new BytesPayload(wal01));
		client.writeWalSegment(new Pos(generation, 0, 0), new BytesPayload(bytes(300, 3)));

		assertThat(client.generations()).containsExactly(generation);
		List<SnapshotInfo> snapshots = client.snapshots(generation);
		assertThat(snapshots).extracting(SnapshotInfo::index).containsExactly(0L, 1L);
		assertThat(snapshots).extracting(SnapshotInfo::size).containsExactly(1000L, 2000L);
		assertThat(snapshots)
			.allSatisfy(s -> assertThat(s.createdAt()).isAfter(before).isBefore(Instant.now().plusSeconds(2)));
		List<WalSegmentInfo> segments = client.walSegments(generation);
		assertThat(segments).extracting(WalSegmentInfo::pos)
			.containsExactly(new Pos(generation, 0, 0), new Pos(generation, 0, 4152), new Pos(generation, 1, 0));
		assertThat(segments).extracting(WalSegmentInfo::size).containsExactly(300L, 400L, 500L);

		assertThat(read(client.openSnapshot(generation, 1))).isEqualTo(snapshot1);
		assertThat(read(client.openWalSegment(new Pos(generation, 0, 4152)))).isEqualTo(wal01);
		// The objects sit under the prefix in Litestream's layout.
		assertThat(existsRaw(path + "/generations/" + generation + "/wal/00000000_00001038.wal.lz4")).isTrue();
		assertThat(existsRaw(path + "/generations/" + generation + "/snapshots/00000001.snapshot.lz4")).isTrue();

		client.deleteSnapshot(generation, 0);
		client.deleteWalSegments(List.of(new Pos(generation, 0, 0), new Pos(generation, 0, 4152)));
		assertThat(client.snapshots(generation)).extracting(SnapshotInfo::index).containsExactly(1L);
		assertThat(client.walSegments(generation)).extracting(WalSegmentInfo::pos)
			.containsExactly(new Pos(generation, 1, 0));

		client.deleteGeneration(generation);
		assertThat(client.generations()).isEmpty();
		assertThat(client.snapshots(generation)).isEmpty();
		assertThat(client.walSegments(generation)).isEmpty();
	}

	@Test
	void ignoresForeignNamesAndDirectoryMarkers() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		client.writeSnapshot(generation, 2, new BytesPayload(bytes(10, 1)));
		client.writeWalSegment(new Pos(generation, 2, 0), new BytesPayload(bytes(10, 2)));
		// Names Litestream ignores: wrong case, wrong width, other suffixes, non-generations. (S3Proxy's
		// filesystem backend also lists directory markers such as ".../wal/" by itself.)
		String gen = path + "/generations/" + generation + "/";
		for (String key : List.of(gen + "snapshots/0000000A.snapshot.lz4", gen + "snapshots/000000002.snapshot.lz4",
				gen + "snapshots/00000002.snapshot.lz4.tmp", gen + "wal/00000002_0000000G.wal.lz4",
				gen + "wal/00000002_00000000.wal", gen + "wal/notes.txt",
				path + "/generations/NOT-A-GENERATION/snapshots/00000000.snapshot.lz4",
				path + "/generations/0123456789ABCDEF/snapshots/00000000.snapshot.lz4", path + "/lease.json")) {
			putRaw(key);
		}

		assertThat(client.generations()).containsExactly(generation);
		assertThat(client.snapshots(generation)).extracting(SnapshotInfo::index).containsExactly(2L);
		assertThat(client.walSegments(generation)).extracting(WalSegmentInfo::pos)
			.containsExactly(new Pos(generation, 2, 0));
	}

	@Test
	void leadingSlashInPathIsDropped() throws IOException {
		S3ReplicaClient client = client("/" + path + "/nested/");
		String generation = Generations.newGeneration();
		client.writeSnapshot(generation, 0, new BytesPayload(bytes(10, 1)));

		assertThat(client.path()).isEqualTo(path + "/nested");
		assertThat(existsRaw(path + "/nested/generations/" + generation + "/snapshots/00000000.snapshot.lz4")).isTrue();
		// Listing uses the same prefix as writing, unlike Litestream with a leading slash.
		assertThat(client.generations()).containsExactly(generation);
		assertThat(client(path + "/nested").snapshots(generation)).hasSize(1);
	}

	@Test
	void uploadsLargePayloadsInPartsAndReadsThemBack() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		byte[] large = bytes((int) S3ReplicaClient.MULTIPART_THRESHOLD + 1024 * 1024 + 7, 9);

		client.writeSnapshot(generation, 0, new BytesPayload(large));

		// Create, three 8 MiB parts (8 + 8 + 1), complete.
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(5);
		assertThat(client.counters().bytes(ReplicaOperation.PUT)).isEqualTo(large.length);
		assertThat(client.snapshots(generation)).extracting(SnapshotInfo::size).containsExactly((long) large.length);
		assertThat(read(client.openSnapshot(generation, 0))).isEqualTo(large);
	}

	@Test
	void missingObjectIsNoSuchFile() {
		S3ReplicaClient client = client(path);
		assertThatThrownBy(() -> client.openSnapshot(Generations.newGeneration(), 0))
			.isInstanceOf(NoSuchFileException.class)
			.hasMessageContaining(config(path).bucket());
	}

	@Test
	void wrongCredentialsGiveOneClearErrorWithoutTheSecret() {
		String secret = "wrong-secret-" + Generations.newGeneration();
		S3ReplicaConfig config = config(path).withCredentials("wrong-key", secret);
		S3ReplicaClient client = track(S3ReplicaClient.create(config));

		assertThatThrownBy(() -> client.writeSnapshot(Generations.newGeneration(), 0, new BytesPayload(bytes(10, 1))))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("access denied")
			.hasMessageContaining("bucket=\"" + config.bucket() + "\"")
			.hasMessageContaining(path + "/generations/")
			.hasMessageContaining(config.endpointUri().toString())
			.satisfies(ex -> assertThat(stackTrace(ex)).doesNotContain(secret));
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isGreaterThanOrEqualTo(1);
	}

	@Test
	void missingBucketGivesOneClearError() {
		S3ReplicaConfig valid = config(path);
		S3ReplicaConfig config = new S3ReplicaConfig("no-such-bucket", path, valid.region(), valid.endpoint(), null,
				false, valid.accessKeyId(), valid.secretAccessKey(), null);
		S3ReplicaClient client = track(S3ReplicaClient.create(config));

		assertThatThrownBy(client::generations).isInstanceOf(IOException.class)
			.hasMessageContaining("bucket \"no-such-bucket\" does not exist")
			.hasMessageContaining(valid.endpointUri().toString())
			.satisfies(ex -> assertThat(stackTrace(ex)).doesNotContain(valid.secretAccessKey()));
	}

	@Test
	void wrapsAnExistingClientWithoutClosingIt() throws IOException {
		try (S3Client shared = S3ClientFactory.create(config(""))) {
			S3ReplicaClient client = new S3ReplicaClient(shared, config("").bucket(), "/" + path, "shared");
			String generation = Generations.newGeneration();
			client.writeWalSegment(new Pos(generation, 0, 0), new BytesPayload(bytes(10, 1)));
			client.close();

			// Still usable after the replica client is closed: the application owns it.
			assertThat(existsRaw(path + "/generations/" + generation + "/wal/00000000_00000000.wal.lz4")).isTrue();
			assertThat(shared.listObjectsV2(b -> b.bucket(config("").bucket()).prefix(path + "/")).contents())
				.filteredOn(o -> o.key().endsWith(".lz4"))
				.hasSize(1);
			assertThat(client.describe()).contains("endpoint=\"shared\"");
		}
	}

	protected S3ReplicaClient client(String prefix) {
		return track(S3ReplicaClient.create(config(prefix)));
	}

	protected S3ReplicaClient track(S3ReplicaClient client) {
		clients.add(client);
		return client;
	}

	/** Stores an object directly, bypassing the client under test. */
	protected void putRaw(String key) {
		try (S3Client raw = S3ClientFactory.create(config(""))) {
			raw.putObject(b -> b.bucket(config("").bucket()).key(key), RequestBody.fromString("x"));
		}
	}

	protected boolean existsRaw(String key) {
		try (S3Client raw = S3ClientFactory.create(config(""))) {
			raw.headObject(b -> b.bucket(config("").bucket()).key(key));
			return true;
		}
		catch (NoSuchKeyException ex) {
			return false;
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				return false;
			}
			throw ex;
		}
	}

	protected static byte[] bytes(int length, long seed) {
		byte[] bytes = new byte[length];
		new Random(seed).nextBytes(bytes);
		return bytes;
	}

	protected static byte[] read(InputStream in) throws IOException {
		try (in) {
			return in.readAllBytes();
		}
	}

	protected static String stackTrace(Throwable ex) {
		StringWriter out = new StringWriter();
		ex.printStackTrace(new PrintWriter(out));
		return out.toString();
	}

}
