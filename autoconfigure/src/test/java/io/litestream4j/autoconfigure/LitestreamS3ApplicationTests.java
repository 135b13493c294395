package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.litestream4j.core.testing.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A web application replicating to S3Proxy: lag seen rising while the store is down and back to 0 after, health
 * following it, and a restore from a {@code source} URL with the global credentials.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,prometheus,litestream",
				"management.endpoint.litestream.access=unrestricted", "management.endpoint.health.show-details=always",
				"litestream.health.max-lag=2s", "litestream.health.max-failure-duration=2s" })
@ExtendWith(OutputCaptureExtension.class)
class LitestreamS3ApplicationTests {

	@RegisterExtension
	static S3ProxyServer s3 = new S3ProxyServer("litestream");

	@TempDir
	static Path dir;

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	private final HttpClient http = HttpClient.newHttpClient();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + dir.resolve("app.db"));
		registry.add("litestream.access-key-id", s3::accessKey);
		registry.add("litestream.secret-access-key", s3::secretKey);
		registry.add("litestream.replicas[0].name", () -> "quadtask");
		registry.add("litestream.replicas[0].type", () -> "s3");
		registry.add("litestream.replicas[0].bucket", s3::bucket);
		registry.add("litestream.replicas[0].path", () -> "quadtask-test");
		registry.add("litestream.replicas[0].endpoint", s3::endpoint);
		registry.add("litestream.replicas[0].region", s3::region);
		registry.add("litestream.replicas[0].sync-interval", () -> "100ms");
		registry.add("spring.cloud.aws.region.static", s3::region);
	}

	@BeforeEach
	void schema() {
		this.jdbc.execute("CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
	}

	@Test
	void logsEachReplicaWithoutSecrets(CapturedOutput output) {
		assertThat(output).contains("replicating to: name=\"quadtask\" type=\"s3\" bucket=\"litestream\" "
				+ "path=\"quadtask-test\" region=\"us-east-1\" endpoint=\"" + s3.endpoint() + "\" sync-interval=100ms");
		assertThat(output).doesNotContain(s3.secretKey());
	}

	@Test
	void lagRisesWhileTheStoreIsDownAndReturnsToZero() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('before outage')");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(lag("quadtask")).isZero();
			assertThat(get("/actuator/prometheus").body()).containsPattern(
					"litestream_generation\\{db=\"app.db\",generation=\"[0-9a-f]{16}\"} 1.0");
		});
		s3.stop();
		try {
			this.jdbc.update("INSERT INTO tasks (title) VALUES ('during outage')");
			await().atMost(Duration.ofSeconds(30)).until(() -> lag("quadtask") > 0);
			double first = lag("quadtask");
			await().atMost(Duration.ofSeconds(30)).until(() -> lag("quadtask") > first + 1);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				HttpResponse<String> health = get("/actuator/health");
				assertThat(health.statusCode()).isEqualTo(503);
				assertThat(health.body()).contains("\"litestream\":{").contains("\"problem\":");
			});
		}
		finally {
			s3.start();
		}
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			assertThat(lag("quadtask")).isZero();
			assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
		});
		assertThat(get("/actuator/litestream").body()).doesNotContain(s3.secretKey());
	}

	@Test
	void restoresFromASourceUrl() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('pulled from s3')");
		assertThat(post("/actuator/litestream/sync", "{}").statusCode()).isEqualTo(200);
		Path output = dir.resolve("from-source.db");
		String source = "s3://litestream/quadtask-test?endpoint=" + s3.endpoint() + "&region=us-east-1&force-path-style=true";
		HttpResponse<String> restored = post("/actuator/litestream/restore",
				"{\"source\":\"" + source + "\",\"outputPath\":\"" + output + "\"}");
		assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
		assertThat(restored.body()).contains("\"integrity\":\"ok\"");
		assertThat(LitestreamApplicationTests.titles(output)).contains("pulled from s3");
		HttpResponse<String> missing = post("/actuator/litestream/restore",
				"{\"source\":\"s3://litestream/nothing-here?endpoint=" + s3.endpoint() + "\",\"outputPath\":\""
						+ dir.resolve("none.db") + "\"}");
		assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
	}

	private double lag(String replica) throws IOException, InterruptedException {
		String scrape = get("/actuator/prometheus").body();
		Matcher matcher = Pattern
			.compile("litestream_replication_lag_seconds\\{db=\"app.db\",replica=\"" + replica + "\"} (\\S+)")
			.matcher(scrape);
		assertThat(matcher.find()).as("lag of %s in %s", replica, scrape).isTrue();
		return Double.parseDouble(matcher.group(1));
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
