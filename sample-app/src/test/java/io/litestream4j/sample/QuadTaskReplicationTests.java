package io.litestream4j.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.litestream4j.core.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * QuadTask with its real configuration and the starter: tasks created through the API are replicated, and a
 * fresh instance restores them on startup. The S3 case runs against S3Proxy (a separate process on loopback),
 * the embedded default against its file replica.
 */
class QuadTaskReplicationTests {

	@RegisterExtension
	static S3ProxyServer s3 = new S3ProxyServer("litestream");

	@TempDir
	Path temp;

	@Test
	void tasksReplicatedToS3AreRestoredIntoAFreshInstance() throws IOException {
		Map<String, String> replica = s3Replica("quadtask-it");
		List<Map<String, Object>> before;
		try (QuadTaskInstance first = QuadTaskInstance.start(with(replica, "quadtask.data-dir", dir("first")))) {
			assertThat(first.tasks()).isEmpty();
			createSomeTasks(first);
			before = first.tasks();
			assertThat(before).hasSize(3);
			first.postActuator("litestream/sync", "{}");
			assertThat(objectsUnder("quadtask-it/generations")).as("objects in S3Proxy after sync").isNotEmpty();
		}

		Path second = this.temp.resolve("second");
		try (QuadTaskInstance fresh = QuadTaskInstance.start(with(replica, "quadtask.data-dir", second.toString()))) {
			assertThat(fresh.tasks()).isEqualTo(before);
			assertThat(second.resolve("quadtask.db")).exists();
		}
	}

	@Test
	void productionIsRestoredIntoARunningDevInstanceThroughTheActuator() {
		Map<String, String> prod = with(s3Replica("quadtask-prod"), "quadtask.data-dir", dir("prod"));
		Map<String, String> dev = new LinkedHashMap<>();
		dev.put("quadtask.data-dir", dir("dev"));
		// As LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY in the README: used for the restore source.
		dev.put("litestream.access-key-id", s3.accessKey());
		dev.put("litestream.secret-access-key", s3.secretKey());
		try (QuadTaskInstance production = QuadTaskInstance.start(prod);
				QuadTaskInstance development = QuadTaskInstance.start(dev)) {
			createSomeTasks(production);
			production.create("Only in production", false, true);
			production.postActuator("litestream/sync", "{}");
			List<Map<String, Object>> prodTasks = production.tasks();
			development.create("Only in dev", true, true);

			String source = "s3://" + s3.bucket() + "/quadtask-prod?endpoint=" + s3.endpoint() + "&region="
					+ s3.region();
			String answer = development.postActuator("litestream/restore",
					"{\"source\": \"" + source + "\", \"live\": true, \"overwrite\": true}");

			assertThat(answer).contains("\"integrity\":\"ok\"");
			assertThat(development.tasks()).isEqualTo(prodTasks);
			Map<String, Object> created = development.create("Practise on real data", false, false);
			int lastProdId = ((Number) prodTasks.get(prodTasks.size() - 1).get("id")).intValue();
			assertThat(created.get("id")).as("ids continue from production's").isEqualTo(lastProdId + 1);
			assertThat(development.tasks()).hasSize(prodTasks.size() + 1);
			assertThat(production.tasks()).isEqualTo(prodTasks);
		}
	}

	@Test
	void embeddedDefaultRestoresADeletedDatabaseFromItsFileReplica() throws IOException {
		Path data = this.temp.resolve("data");
		Map<String, String> properties = Map.of("quadtask.data-dir", data.toString());
		List<Map<String, Object>> before;
		try (QuadTaskInstance first = QuadTaskInstance.start(properties)) {
			createSomeTasks(first);
			before = first.tasks();
		}
		assertThat(data.resolve("replica/generations")).isDirectory();
		for (String file : List.of("quadtask.db", "quadtask.db-wal", "quadtask.db-shm")) {
			Files.deleteIfExists(data.resolve(file));
		}

		try (QuadTaskInstance restarted = QuadTaskInstance.start(properties)) {
			assertThat(restarted.tasks()).hasSize(3).isEqualTo(before);
		}
	}

	private static void createSomeTasks(QuadTaskInstance app) {
		Object first = app.create("Renew passport", true, true).get("id");
		app.create("Plan the garden", false, true);
		Object third = app.create("Answer the landlord", true, false).get("id");
		app.create("Sort old photos", false, false);
		app.complete(first);
		app.delete(third);
	}

	private Map<String, String> s3Replica(String path) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("litestream.dbs[0].path", "${quadtask.db-path}");
		properties.put("litestream.dbs[0].replicas[0].name", "quadtask");
		properties.put("litestream.dbs[0].replicas[0].type", "s3");
		properties.put("litestream.dbs[0].replicas[0].bucket", s3.bucket());
		properties.put("litestream.dbs[0].replicas[0].path", path);
		properties.put("litestream.dbs[0].replicas[0].endpoint", s3.endpoint());
		properties.put("litestream.dbs[0].replicas[0].region", s3.region());
		properties.put("litestream.dbs[0].replicas[0].access-key-id", s3.accessKey());
		properties.put("litestream.dbs[0].replicas[0].secret-access-key", s3.secretKey());
		return properties;
	}

	private static Map<String, String> with(Map<String, String> properties, String key, String value) {
		Map<String, String> copy = new LinkedHashMap<>(properties);
		copy.put(key, value);
		return copy;
	}

	private String dir(String name) {
		return this.temp.resolve(name).toString();
	}

	private List<Path> objectsUnder(String prefix) throws IOException {
		Path root = s3.dataDir().resolve(s3.bucket()).resolve(prefix);
		if (!Files.isDirectory(root)) {
			return List.of();
		}
		try (Stream<Path> files = Files.walk(root)) {
			return files.filter(Files::isRegularFile).toList();
		}
	}

}
