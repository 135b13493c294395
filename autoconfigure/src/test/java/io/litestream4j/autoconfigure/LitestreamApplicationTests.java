package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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

import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.ReplicaOptions;
import io.litestream4j.core.file.FileReplicaClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real web application replicating its SQLite DataSource to a file replica: metrics at
 * {@code /actuator/prometheus}, status and restores at {@code /actuator/litestream}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,prometheus,litestream",
				"management.endpoint.litestream.access=unrestricted", "management.endpoint.health.show-details=always" })
@ExtendWith(OutputCaptureExtension.class)
class LitestreamApplicationTests {

	@TempDir
	static Path dir;

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	LitestreamReplicator replicator;

	private final HttpClient http = HttpClient.newHttpClient();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + dir.resolve("data/app.db"));
		// A list binds from one property source only: all of a replica's keys go here.
		registry.add("litestream.replicas[0].type", () -> "file");
		registry.add("litestream.replicas[0].path", () -> dir.resolve("replica").toString());
		registry.add("litestream.replicas[0].sync-interval", () -> "100ms");
	}

	@BeforeEach
	void schema() {
		this.jdbc.execute("CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
	}

	@Test
	void logsWhereItReplicatesTo(CapturedOutput output) {
		assertThat(output).contains("replicating to: name=\"file\" type=\"file\" path=\"" + dir.resolve("replica")
				+ "\" sync-interval=100ms");
	}

	@Test
	void appConnectionsUseWalAndABusyTimeout() {
		assertThat(this.jdbc.queryForObject("PRAGMA journal_mode", String.class)).isEqualTo("wal");
		assertThat(this.jdbc.queryForObject("PRAGMA busy_timeout", Integer.class)).isEqualTo(5000);
	}

	@Test
	void prometheusShowsLagAndGeneration() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('scraped')");
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			String scrape = get("/actuator/prometheus").body();
			assertThat(scrape).containsPattern("litestream_replication_lag_seconds\\{db=\"app.db\",replica=\"file\"} 0\\.0");
			String generation = this.replicator.databases().get(0).db().generation();
			assertThat(generation).isNotNull();
			assertThat(scrape).contains("litestream_generation{db=\"app.db\",generation=\"" + generation + "\"} 1.0");
			assertThat(scrape).containsPattern("litestream_replica_operations_total\\{db=\"app.db\",operation=\"PUT\",replica=\"file\"} [1-9]");
			assertThat(scrape).containsPattern("litestream_sync_count_total\\{db=\"app.db\"} [1-9]");
		});
	}

	@Test
	void statusAndHealthReportTheReplica() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('status')");
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			HttpResponse<String> status = get("/actuator/litestream");
			assertThat(status.statusCode()).isEqualTo(200);
			assertThat(status.body()).contains("\"name\":\"app.db\"").contains("\"type\":\"file\"")
				.containsPattern("\"position\":\"[0-9a-f]{16}/[0-9a-f]{8}:\\d+\"");
			HttpResponse<String> health = get("/actuator/health");
			assertThat(health.body()).contains("\"litestream\":{").contains("\"status\":\"UP\"");
			HttpResponse<String> generations = get("/actuator/litestream/generations");
			assertThat(generations.body()).containsPattern("\"generation\":\"[0-9a-f]{16}\"");
		});
		assertThat(get("/actuator/litestream/nonsense").statusCode()).isEqualTo(404);
	}

	@Test
	void snapshotOnRequest() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('snapshot me')");
		long before = this.replicator.databases().get(0).db().replicas().get(0).snapshotCount();
		HttpResponse<String> snapshot = post("/actuator/litestream/snapshot", "{}");
		assertThat(snapshot.statusCode()).as(snapshot.body()).isEqualTo(200);
		assertThat(snapshot.body()).contains("\"snapshot\":[").contains("\"db\":\"app.db\"");
		assertThat(this.replicator.databases().get(0).db().replicas().get(0).snapshotCount()).isGreaterThan(before);
		HttpResponse<String> snapshots = get("/actuator/litestream/snapshots");
		assertThat(snapshots.body()).containsPattern("\"index\":\"[0-9a-f]{8}\"");
		assertThat(post("/actuator/litestream/sync", "{\"db\":\"nope.db\"}").statusCode()).isEqualTo(400);
	}

	@Test
	void restoreToAPathOverHttp() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('restore me')");
		assertThat(post("/actuator/litestream/sync", "{}").statusCode()).isEqualTo(200);
		Path output = dir.resolve("data/restored.db");
		HttpResponse<String> restored = post("/actuator/litestream/restore",
				"{\"outputPath\":\"" + output + "\"}");
		assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
		assertThat(restored.body()).contains("\"integrity\":\"ok\"").contains("\"path\":\"" + output + "\"")
			.containsPattern("\"generation\":\"[0-9a-f]{16}\"").contains("\"bytes\":").contains("\"durationMs\":");
		assertThat(titles(output)).contains("restore me");

		HttpResponse<String> again = post("/actuator/litestream/restore", "{\"outputPath\":\"" + output + "\"}");
		assertThat(again.statusCode()).isEqualTo(409);
		assertThat(again.body()).contains("overwrite");
		assertThat(post("/actuator/litestream/restore", "{\"outputPath\":\"" + output + "\",\"overwrite\":true}")
			.statusCode()).isEqualTo(200);

		// Without outputPath: a new file beside the database.
		HttpResponse<String> beside = post("/actuator/litestream/restore", "{}");
		assertThat(beside.statusCode()).as(beside.body()).isEqualTo(200);
		assertThat(beside.body()).contains("\"path\":\"" + dir.resolve("data/app.db.restored-"));

		// A point in time before any backup: nothing to restore.
		HttpResponse<String> tooEarly = post("/actuator/litestream/restore",
				"{\"timestamp\":\"2000-01-01T00:00:00Z\",\"outputPath\":\"" + dir.resolve("data/early.db") + "\"}");
		assertThat(tooEarly.statusCode()).as(tooEarly.body()).isEqualTo(404);
		assertThat(Files.exists(dir.resolve("data/early.db"))).isFalse();
	}

	@Test
	void liveRestoreReplacesTheDatabaseInPlace() throws Exception {
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('replaced by the restore')");
		String before = this.replicator.databases().get(0).db().generation();
		// Another database's backup, made with the engine directly.
		Path otherDb = dir.resolve("other/other.db");
		Path otherReplica = dir.resolve("other-replica");
		Files.createDirectories(otherDb.getParent());
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + otherDb);
				Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA journal_mode = wal");
			statement.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
			statement.execute("INSERT INTO tasks (title) VALUES ('from the other backup')");
		}
		try (DB other = new DB(DbOptions.defaults(otherDb))) {
			other.addReplica(ReplicaOptions.defaults("file"), new FileReplicaClient(otherReplica));
			other.start();
			other.syncAndWait(Duration.ofSeconds(20));
		}
		HttpResponse<String> live = post("/actuator/litestream/restore",
				"{\"live\":true,\"source\":\"file://" + otherReplica + "\"}");
		assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
		assertThat(live.body()).contains("\"live\":true").contains("\"integrity\":\"ok\"");
		assertThat(this.jdbc.queryForList("SELECT title FROM tasks", String.class))
			.containsExactly("from the other backup");
		String after = this.replicator.databases().get(0).db().generation();
		assertThat(after).isNotNull().isNotEqualTo(before);
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			String scrape = get("/actuator/prometheus").body();
			assertThat(scrape).contains("litestream_generation{db=\"app.db\",generation=\"" + after + "\"} 1.0")
				.doesNotContain("generation=\"" + before + "\"")
				.containsPattern("litestream_generation_changes_total\\{db=\"app.db\",reason=\"database file replaced\"} [1-9]");
		});
		// Replication goes on from the restored state.
		this.jdbc.update("INSERT INTO tasks (title) VALUES ('after the live restore')");
		assertThat(post("/actuator/litestream/sync", "{}").statusCode()).isEqualTo(200);
		Path check = dir.resolve("data/after-live.db");
		assertThat(post("/actuator/litestream/restore", "{\"outputPath\":\"" + check + "\"}").statusCode()).isEqualTo(200);
		assertThat(titles(check)).containsExactly("from the other backup", "after the live restore");
	}

	@Test
	void restoreRefusesBadInputWithAReason() throws Exception {
		HttpResponse<String> both = post("/actuator/litestream/restore",
				"{\"timestamp\":\"2026-11-25T10:15:30Z\",\"generation\":\"0123456789abcdef\",\"index\":\"1\"}");
		assertThat(both.statusCode()).isEqualTo(400);
		assertThat(both.body()).contains("timestamp and index cannot be combined");
		HttpResponse<String> zoneless = post("/actuator/litestream/restore", "{\"timestamp\":\"2026-11-25T10:15:30\"}");
		assertThat(zoneless.statusCode()).isEqualTo(400);
		assertThat(zoneless.body()).contains("RFC 3339");
		HttpResponse<String> escape = post("/actuator/litestream/restore", "{\"outputPath\":\"../escape.db\"}");
		assertThat(escape.statusCode()).isEqualTo(400);
		assertThat(escape.body()).contains("'..'");
		HttpResponse<String> outside = post("/actuator/litestream/restore",
				"{\"outputPath\":\"" + dir.resolve("elsewhere.db") + "\"}");
		assertThat(outside.statusCode()).isEqualTo(400);
		assertThat(outside.body()).contains("outside the allowed directories");
		Files.createDirectories(dir.resolve("outside"));
		Files.createSymbolicLink(dir.resolve("data/link"), dir.resolve("outside"));
		HttpResponse<String> symlink = post("/actuator/litestream/restore",
				"{\"outputPath\":\"" + dir.resolve("data/link/x.db") + "\"}");
		assertThat(symlink.statusCode()).isEqualTo(400);
		assertThat(symlink.body()).contains("outside the allowed directories");
		HttpResponse<String> live = post("/actuator/litestream/restore", "{\"outputPath\":\"" + dir.resolve("data/app.db") + "\"}");
		assertThat(live.statusCode()).isEqualTo(409);
		HttpResponse<String> wal = post("/actuator/litestream/restore",
				"{\"outputPath\":\"" + dir.resolve("data/app.db-wal") + "\",\"overwrite\":true}");
		assertThat(wal.statusCode()).isEqualTo(409);
		assertThat(wal.body()).contains("belongs to the replicated database");
		HttpResponse<String> badSource = post("/actuator/litestream/restore", "{\"source\":\"s3://b/p?age=x\"}");
		assertThat(badSource.statusCode()).isEqualTo(400);
		assertThat(badSource.body()).contains("unsupported URL parameter 'age'");
		assertThat(post("/actuator/litestream/frobnicate", "{}").statusCode()).isEqualTo(404);
	}

	@Test
	void restoreFromAnEmptySourceIsNotFound() throws Exception {
		Path empty = Files.createDirectories(dir.resolve("empty-replica"));
		HttpResponse<String> response = post("/actuator/litestream/restore",
				"{\"source\":\"file://" + empty + "\",\"outputPath\":\"" + dir.resolve("data/none.db") + "\"}");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
		assertThat(response.body()).contains("\"reason\":");
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

	static java.util.List<String> titles(Path db) throws SQLException {
		java.util.List<String> titles = new java.util.ArrayList<>();
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT title FROM tasks ORDER BY id")) {
			while (rows.next()) {
				titles.add(rows.getString(1));
			}
		}
		return titles;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
