package io.litestream4j.core.s3;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaLayout;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.WalSegmentInfo;
import io.litestream4j.core.testing.BytesPayload;
import io.litestream4j.core.testing.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link S3ReplicaClient} against S3Proxy, whose own request log proves the request counts. */
class S3ReplicaClientTest extends S3ReplicaClientContractTests {

	@RegisterExtension
	static final S3ProxyServer s3proxy = new S3ProxyServer();

	@Override
	protected S3ReplicaConfig config(String path) {
		return s3proxy.replicaConfig(path);
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
		List<String> requests = s3proxy.requestsSince(mark);
		assertThat(requests).hasSize(9);
		assertThat(requests).filteredOn(r -> r.startsWith("Request(PUT ")).hasSize(3);
		assertThat(requests).filteredOn(r -> r.contains("?delete")).hasSize(1);
	}

	@Test
	void listsAndDeletesMoreThanOnePageAndBatch() throws IOException {
		S3ReplicaClient client = client(path);
		String generation = Generations.newGeneration();
		// Written straight into S3Proxy's filesystem backend: 1001 uploads would take long here.
		Path wal = s3proxy.dataDir().resolve(s3proxy.bucket()).resolve(path).resolve(ReplicaLayout.walDir(generation));
		Files.createDirectories(wal);
		List<Pos> positions = new ArrayList<>();
		for (int i = 0; i < 1001; i++) {
			positions.add(new Pos(generation, i, 0));
			Files.write(wal.resolve(Generations.walSegmentName(i, 0)), "x".getBytes(StandardCharsets.UTF_8));
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
	void multipartUploadIsFiveRequestsInS3ProxysLog() throws IOException {
		S3ReplicaClient client = client(path);
		int mark = s3proxy.requestCount();

		client.writeSnapshot(Generations.newGeneration(), 0,
				new BytesPayload(bytes((int) S3ReplicaClient.MULTIPART_THRESHOLD + 1, 3)));

		List<String> requests = s3proxy.requestsSince(mark);
		assertThat(requests).hasSize(5);
		assertThat(requests).filteredOn(r -> r.contains("partNumber=")).hasSize(3);
	}

	@Test
	void unreachableEndpointGivesOneClearErrorAfterRetries() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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
		// The SDK's standard retry mode tried three times, with backoff, and each attempt is counted.
		assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(3);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
	}

	@Test
	void customEndpointDefaultsToWhenRequiredChecksumsBecauseStoresRefuseTheSdkDefault() throws IOException {
		// What the default avoids: with "when-supported" SDK v2 sends aws-chunked uploads with trailing CRC
		// checksums, which S3Proxy 3.0.0 (like several S3-compatible stores) rejects.
		S3ReplicaConfig whenSupported = s3proxy.replicaConfig(path).withChecksumCalculation("when-supported");
		try (S3ReplicaClient client = S3ReplicaClient.create(whenSupported)) {
			assertThatThrownBy(() -> client.writeWalSegment(new Pos(Generations.newGeneration(), 0, 0),
					new BytesPayload(bytes(10, 1))))
				.isInstanceOf(IOException.class)
				.hasMessageContaining("HTTP 400");
		}
		assertThat(s3proxy.replicaConfig(path).effectiveChecksumCalculation()).isEqualTo("when-required");
		Pos pos = new Pos(Generations.newGeneration(), 0, 0);
		S3ReplicaClient client = client(path);
		client.writeWalSegment(pos, new BytesPayload(bytes(10, 1)));
		client.deleteWalSegments(List.of(pos));
		assertThat(client.walSegments(pos.generation())).isEmpty();
	}

}
