package io.litestream4j.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exposed but not granted more: the endpoint is read-only unless
 * {@code management.endpoint.litestream.access=unrestricted}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=litestream")
class LitestreamEndpointAccessTests {

	@TempDir
	static Path dir;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + dir.resolve("app.db"));
		registry.add("litestream.replicas[0].type", () -> "file");
		registry.add("litestream.replicas[0].path", () -> dir.resolve("replica").toString());
	}

	@Test
	void readsAreAllowedWritesAreNot() throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		URI base = URI.create("http://127.0.0.1:" + this.port + "/actuator/litestream");
		assertThat(http.send(HttpRequest.newBuilder(base).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
			.isEqualTo(200);
		Path output = dir.resolve("restored.db");
		HttpResponse<String> restore = http.send(HttpRequest.newBuilder(URI.create(base + "/restore"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"outputPath\":\"" + output + "\"}"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(restore.statusCode()).isBetween(400, 499).isNotEqualTo(400);
		assertThat(Files.exists(output)).isFalse();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
