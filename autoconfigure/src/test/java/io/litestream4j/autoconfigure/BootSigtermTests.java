package io.litestream4j.autoconfigure;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.testing.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a real Spring Boot process during a burst of writes: after the graceful stop, the last
 * acknowledged write and a row committed by another process just before the signal are in the replica.
 */
class BootSigtermTests {

	@RegisterExtension
	static S3ProxyServer s3 = new S3ProxyServer("litestream");

	@TempDir
	Path dir;

	@Test
	void sigtermDuringABurstShipsTheLastAcknowledgedWrite() throws Exception {
		Path db = dir.resolve("app.db");
		Path acks = dir.resolve("acks.log");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
				BootWriterApplication.class.getName(), "--spring.main.web-application-type=none", "--writer.acks=" + acks, "--litestream.dbs[0].path=" + db,
				"--litestream.dbs[0].replicas[0].type=s3", "--litestream.dbs[0].replicas[0].bucket=" + s3.bucket(),
				"--litestream.dbs[0].replicas[0].path=boot-sigterm",
				"--litestream.dbs[0].replicas[0].endpoint=" + s3.endpoint(),
				"--litestream.dbs[0].replicas[0].region=" + s3.region(),
				"--litestream.dbs[0].replicas[0].access-key-id=" + s3.accessKey(),
				"--litestream.dbs[0].replicas[0].secret-access-key=" + s3.secretKey(),
				"--litestream.dbs[0].replicas[0].sync-interval=1s"));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
		builder.environment().put("AWS_REGION", s3.region());
		Process process = builder.start();
		List<String> output = new CopyOnWriteArrayList<>();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				in.lines().forEach(output::add);
			}
			catch (Exception ex) {
				output.add("READER-ERROR " + ex);
			}
		});
		reader.setDaemon(true);
		reader.start();
		try {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
			while (output.stream().noneMatch(line -> line.contains("snapshot written"))) {
				assertThat(process.isAlive()).as("application running: %s", output).isTrue();
				assertThat(System.nanoTime()).as("first upload in time: %s", output).isLessThan(deadline);
				Thread.sleep(100);
			}
			Thread.sleep(1500);
			ExternalWriter.write(db, "INSERT INTO t (id, pad) VALUES (-1, 'other process')");
			// The handle's destroy is SIGTERM and leaves our end of the output pipe open.
			process.toHandle().destroy();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped after SIGTERM: %s", output).isTrue();
			reader.join(10_000);
		}
		finally {
			process.destroyForcibly();
		}
		assertThat(output).contains("WRITER-STOPPED").noneMatch(line -> line.contains("WRITER-ERROR"))
			.noneMatch(line -> line.contains("final sync") && line.contains("error"));
		List<String> acknowledged = Files.readAllLines(acks).stream().filter(line -> !line.isBlank()).toList();
		long lastAck = Long.parseLong(acknowledged.get(acknowledged.size() - 1));
		assertThat(lastAck).isGreaterThan(100);

		Path restored = dir.resolve("restored.db");
		try (S3ReplicaClient client = S3ReplicaClient.create(s3.replicaConfig("boot-sigterm"))) {
			RestoreResult result = new Restorer(client).restore(RestoreOptions.latest(restored));
			assertThat(result.integrity()).isEqualTo("ok");
		}
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + restored);
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT MAX(id), COUNT(*), SUM(id = -1) FROM t")) {
			rs.next();
			assertThat(rs.getLong(1)).as("last acknowledged id in the replica").isGreaterThanOrEqualTo(lastAck);
			assertThat(rs.getLong(2)).as("rows: every acknowledged id plus the other process's").isGreaterThanOrEqualTo(lastAck + 1);
			assertThat(rs.getLong(3)).as("the other process's row").isEqualTo(1);
		}
	}

}
