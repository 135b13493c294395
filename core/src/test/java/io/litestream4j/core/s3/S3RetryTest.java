package io.litestream4j.core.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.testing.BytesPayload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Throttling and server errors from a scripted loopback HTTP server (S3Proxy cannot be made to answer
 * 503): the client retries with backoff, counts every attempt, and only then reports one error.
 */
class S3RetryTest {

	private HttpServer server;

	private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

	private final AtomicInteger failuresLeft = new AtomicInteger();

	private volatile int failureStatus;

	@BeforeEach
	void startServer() throws IOException {
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", this::handle);
		server.start();
	}

	@AfterEach
	void stopServer() {
		server.stop(0);
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (InputStream body = exchange.getRequestBody()) {
			body.transferTo(OutputStream.nullOutputStream());
		}
		seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
		if (failuresLeft.getAndDecrement() > 0) {
			String code = (failureStatus == 503) ? "SlowDown" : "InternalError";
			byte[] error = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
					+ "</Code><Message>scripted</Message><RequestId>1</RequestId></Error>")
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/xml");
			exchange.sendResponseHeaders(failureStatus, error.length);
			exchange.getResponseBody().write(error);
		}
		else {
			exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
			exchange.sendResponseHeaders(200, -1);
		}
		exchange.close();
	}

	private S3ReplicaClient client() {
		String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
		return S3ReplicaClient.create(new S3ReplicaConfig("bucket", "retry", "us-east-1", endpoint, true, false,
				"test-key", "test-secret-value", null));
	}

	@Test
	void throttledPutIsRetriedWithBackoffAndEveryAttemptCounted() throws IOException {
		failureStatus = 503;
		failuresLeft.set(2);
		try (S3ReplicaClient client = client()) {
			long start = System.nanoTime();
			client.writeWalSegment(new Pos(Generations.newGeneration(), 0, 0), new BytesPayload(new byte[100]));

			assertThat(seen).hasSize(3).allMatch(r -> r.startsWith("PUT /bucket/retry/generations/"));
			assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(3);
			assertThat(client.counters().bytes(ReplicaOperation.PUT)).isEqualTo(100);
			// Throttling backs off before each retry rather than hammering the store.
			assertThat(System.nanoTime() - start).isGreaterThan(50_000_000L);
		}
	}

	@Test
	void persistentServerErrorsEndInOneClearError() {
		failureStatus = 500;
		failuresLeft.set(Integer.MAX_VALUE);
		try (S3ReplicaClient client = client()) {
			assertThatThrownBy(() -> client.writeSnapshot(Generations.newGeneration(), 0, new BytesPayload(new byte[10])))
				.isInstanceOf(IOException.class)
				.hasMessageContaining("HTTP 500 InternalError")
				.hasMessageContaining("bucket=\"bucket\"")
				.hasMessageContaining("retry/generations/")
				.hasMessageNotContaining("test-secret-value");
			assertThat(seen).hasSize(3);
			assertThat(client.counters().requests(ReplicaOperation.PUT)).isEqualTo(3);
			assertThat(client.counters().bytes(ReplicaOperation.PUT)).isZero();
		}
	}

}
