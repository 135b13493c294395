package io.litestream4j.core.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaLayout;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.SnapshotInfo;
import io.litestream4j.core.WalSegmentInfo;
import io.litestream4j.core.testing.BytesPayload;
import io.litestream4j.core.testing.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3ReplicaClientTest {

	@RegisterExtension
	static final S3ProxyServer s3proxy = new S3ProxyServer();

	private final List<S3ReplicaClient> clients = new ArrayList<>();

	private String path;

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
		byte[] wal00 = bytes(300, 3);
		byte[] wal01 = bytes(400, 4);
		byte[] wal10 = bytes(500, 5);
		Instant before = Instant.now().minusSeconds(2);

		client.writeSnapshot(generation, 1, new BytesPayload(snapshot1));
		client.writeSnapshot(generation, 0, new BytesPayload(snapshot0));
		client.writeWalSegment(new Pos(generation, 1, 0), new BytesPayload(wal10));
		client.writeWalSegment(new Pos(generation, 0, 4152), new BytesPayload(wal01));
		client.writeWalSegment(new Pos(generation, 0, 0), new BytesPayload(wal00));

		assertThat(client.generations()).containsExactly(generation);
		List<SnapshotInfo> snapshots = client.snapshots(generation);
		assertThat(snapshots).extracting(SnapshotInfo::index).containsExactly(0L, 1L);
		assertThat(snapshots).extracting(SnapshotInfo::size).containsExactly(1000L, 2000L);
		assertThat(snapshots).allSatisfy(s -> assertThat(s.createdAt()).isAfter(before).isBefore(Instant.now().plusSeconds(2)));
		List<WalSegmentInfo> segments = client.walSegments(generation);
		assertThat(segments).extracting(WalSegmentInfo::pos)
			.containsExactly(new Pos(generation, 0, 0), new Pos(generation, 0, 4152), new Pos(generation, 1, 0));
		assertThat(segments).extracting(WalSegmentInfo::size).containsExactly(300L, 400L, 500L);

		assertThat(read(client.openSnapshot(generation, 1))).isEqualTo(snapshot1);
		assertThat(read(client.openWalSegment(new Pos(generation, 0, 4152)))).isEqualTo(wal01);
		// The objects sit under the prefix in Litestream's layout.
		assertThat(s3proxy.dataDir().resolve(s3proxy.bucket()).resolve(path)
			.resolve("generations/" + generation + "/wal/00000000_00001038.wal.lz4")).exists();

		client.deleteSnapshot(generation, 0);
		client.deleteWalSegments(List.of(new Pos(generation, 0, 0), new Pos(generation, 0, 4152)));
		assertThat(client.snapshots(generation)).extracting(SnapshotInfo::index).containsExactly(1L);
		assertThat(client.walSegments(generation)).extracting(WalSegmentInfo::pos)
			.containsExactly(new Pos(generation, 1, 0));

		client.deleteGeneration(generation);
		assertThat(client.generations()).isEmpty();
		assertThat(client.snapshots(generation)).isEmpty();
	}

	@Test
	void ignoresForeignNamesAndDirectoryMarkers() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		client.writeSnapshot(generation, 2, new BytesPayload(bytes(10, 1)));
		client.writeWalSegment(new Pos(generation, 2, 0), new BytesPayload(bytes(10, 2)));
		// Names Litestream ignores: wrong case, wrong width, other suffixes, markers, non-generations.
		Path root = s3proxy.dataDir().resolve(s3proxy.bucket()).resolve(path);
		Path gen = root.resolve("generations").resolve(generation);
		writeFile(gen.resolve("snapshots/0000000A.snapshot.lz4"));
		writeFile(gen.resolve("snapshots/000000002.snapshot.lz4"));
		writeFile(gen.resolve("snapshots/00000002.snapshot.lz4.tmp"));
		writeFile(gen.resolve("wal/00000002_0000000G.wal.lz4"));
		writeFile(gen.resolve("wal/00000002_00000000.wal"));
		writeFile(gen.resolve("wal/notes.txt"));
		writeFile(root.resolve("generations/NOT-A-GENERATION/snapshots/00000000.snapshot.lz4"));
		writeFile(root.resolve("generations/0123456789ABCDEF/snapshots/00000000.snapshot.lz4"));
		writeFile(root.resolve("lease.json"));

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
		assertThat(s3proxy.dataDir().resolve(s3proxy.bucket()).resolve(path)
			.resolve("nested/generations/" + generation + "/snapshots/00000000.snapshot.lz4")).exists();
		// Listing uses the same prefix as writing, unlike Litestream with a leading slash.
		assertThat(client.generations()).containsExactly(generation);
		assertThat(client(path + "/nested").snapshots(generation)).hasSize(1);
	}

	@Test
	void countsEveryRequestAsS3ProxySeesIt() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		int mark = s3proxy.requestCount();

		client.writeSnapshot(generation, 0, new BytesPayload(bytes(1234, 1)));
		client.writeWalSegment(new Pos(generation, 0, 0), new BytesPayload(bytes(100, 2)));
		client.writeWalSegment(new Pos(generation, 0, 100), new BytesPayload(bytes(200, 3)));
		client.generations();
		client.snapshots(generation);
		client.walSegments(generation);
		read(client.openSnapshot(generation, 0));
		client.deleteWalSegments(List.of(new Pos(generation, 0, 0), new Pos(generation, 0, 100)));
		client.deleteSnapshot(generation, 0);

		assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(3);
		assertThat(client.counters().bytes(ReplicaOperation.PUT)).isEqualTo(1234 + 100 + 200);
		assertThat(client.counters().requests(ReplicaOperation.LIST)).isEqualTo(3);
		assertThat(client.counters().requests(ReplicaOperation.GET)).isEqualTo(1);
		assertThat(client.counters().bytes(ReplicaOperation.GET)).isEqualTo(1234);
		// One DeleteObjects for both segments, one DeleteObject for the snapshot.
		assertThat(client.counters().requests(ReplicaOperation.DELETE)).isEqualTo(2);
		assertThat(s3proxy.requestsSince(mark)).hasSize(9);
	}

	@Test
	void listsAndDeletesMoreThanOnePageAndBatch() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		// Written straight into S3Proxy's filesystem backend: 1001 uploads would take long here.
		Path wal = s3proxy.dataDir().resolve(s3proxy.bucket()).resolve(path).resolve(ReplicaLayout.walDir(generation));
		List<Pos> positions = new ArrayList<>();
		for (int i = 0; i < 1001; i++) {
			Pos pos = new Pos(generation, i, 0);
			positions.add(pos);
			writeFile(wal.resolve(Generations.walSegmentName(i, 0)));
		}
		int mark = s3proxy.requestCount();

		assertThat(client.walSegments(generation)).extracting(WalSegmentInfo::pos).containsExactlyElementsOf(positions);
		assertThat(client.counters().requests(ReplicaOperation.LIST)).isEqualTo(2);

		client.deleteWalSegments(positions);
		assertThat(client.counters().requests(ReplicaOperation.DELETE)).isEqualTo(2);
		assertThat(client.walSegments(generation)).isEmpty();
		assertThat(s3proxy.requestsSince(mark)).hasSize(5);
	}

	@Test
	void uploadsLargePayloadsInPartsAndReadsThemBack() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		byte[] large = bytes((int) S3ReplicaClient.MULTIPART_THRESHOLD + 1024 * 1024 + 7, 9);
		int mark = s3proxy.requestCount();

		client.writeSnapshot(generation, 0, new BytesPayload(large));

		// Create, three 8 MiB parts (8 + 8 + 1), complete.
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(5);
		assertThat(client.counters().bytes(ReplicaOperation.PUT)).isEqualTo(large.length);
		assertThat(s3proxy.requestsSince(mark)).hasSize(5);
		assertThat(client.snapshots(generation)).extracting(SnapshotInfo::size).containsExactly((long) large.length);
		assertThat(read(client.openSnapshot(generation, 0))).isEqualTo(large);
	}

	@Test
	void missingObjectIsNoSuchFile() {
		S3ReplicaClient client = client(path);
		assertThatThrownBy(() -> client.openSnapshot(Generations.newGeneration(), 0))
			.isInstanceOf(NoSuchFileException.class)
			.hasMessageContaining(s3proxy.bucket());
	}

	@Test
	void wrongCredentialsGiveOneClearErrorWithoutTheSecret() {
		String secret = "wrong-secret-" + Generations.newGeneration();
		S3ReplicaConfig config = s3proxy.replicaConfig(path).withCredentials("wrong-key", secret);
		S3ReplicaClient client = track(S3ReplicaClient.create(config));

		assertThatThrownBy(() -> client.writeSnapshot(Generations.newGeneration(), 0, new BytesPayload(bytes(10, 1))))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("access denied")
			.hasMessageContaining("bucket=\"" + s3proxy.bucket() + "\"")
			.hasMessageContaining(path + "/generations/")
			.hasMessageContaining(s3proxy.endpoint())
			.satisfies(ex -> assertThat(stackTrace(ex)).doesNotContain(secret));
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isGreaterThanOrEqualTo(1);
	}

	@Test
	void missingBucketGivesOneClearError() {
		S3ReplicaConfig config = new S3ReplicaConfig("no-such-bucket", path, S3ProxyServer.REGION, s3proxy.endpoint(),
				null, false, s3proxy.accessKey(), s3proxy.secretKey(), null);
		S3ReplicaClient client = track(S3ReplicaClient.create(config));

		assertThatThrownBy(client::generations).isInstanceOf(IOException.class)
			.hasMessageContaining("bucket \"no-such-bucket\" does not exist")
			.hasMessageContaining(s3proxy.endpoint())
			.satisfies(ex -> assertThat(stackTrace(ex)).doesNotContain(s3proxy.secretKey()));
	}

	@Test
	void unreachableEndpointGivesOneClearErrorAfterRetries() throws IOException {
		int closedPort;
		try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		String endpoint = "http://127.0.0.1:" + closedPort;
		S3ReplicaClient client = track(S3ReplicaClient.create(s3proxy.replicaConfig(path).withEndpoint(endpoint)));

		long start = System.nanoTime();
		assertThatThrownBy(() -> client.writeWalSegment(new Pos(Generations.newGeneration(), 0, 0),
				new BytesPayload(bytes(10, 1))))
			.isInstanceOf(IOException.class)
			.hasMessageContaining("endpoint unreachable")
			.hasMessageContaining("endpoint=\"" + endpoint + "\"")
			.hasMessageContaining("bucket=\"" + s3proxy.bucket() + "\"")
			.satisfies(ex -> assertThat(stackTrace(ex)).doesNotContain(s3proxy.secretKey()));
		// The SDK's standard retry mode tried more than once, with backoff, and each attempt is counted.
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(3);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
	}

	private S3ReplicaClient client(String prefix) {
		return track(S3ReplicaClient.create(s3proxy.replicaConfig(prefix)));
	}

	private S3ReplicaClient track(S3ReplicaClient client) {
		clients.add(client);
		return client;
	}

	private static byte[] bytes(int length, long seed) {
		byte[] bytes = new byte[length];
		new Random(seed).nextBytes(bytes);
		return bytes;
	}

	private static byte[] read(InputStream in) throws IOException {
		try (in) {
			return in.readAllBytes();
		}
	}

	private static void writeFile(Path file) throws IOException {
		Files.createDirectories(file.getParent());
		Files.write(file, "x".getBytes(StandardCharsets.UTF_8));
	}

	private static String stackTrace(Throwable ex) {
		StringWriter out = new StringWriter();
		ex.printStackTrace(new PrintWriter(out));
		return out.toString();
	}

}
