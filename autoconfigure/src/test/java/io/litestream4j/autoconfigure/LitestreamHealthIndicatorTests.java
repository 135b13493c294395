package io.litestream4j.autoconfigure;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.litestream4j.core.file.FileReplicaClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code litestream} health indicator against a replica that fails, or hangs without any error.
 */
class LitestreamHealthIndicatorTests {

	@TempDir
	Path dir;

	private ControllableReplicaClient client;

	private ApplicationContextRunner runner(String maxLag, String maxFailureDuration) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LitestreamAutoConfiguration.class,
					LitestreamHealthContributorAutoConfiguration.class))
			.withPropertyValues("litestream.dbs[0].path=" + this.dir.resolve("app.db"),
					"litestream.dbs[0].replicas[0].type=file",
					"litestream.dbs[0].replicas[0].path=" + this.dir.resolve("replica"),
					"litestream.dbs[0].replicas[0].sync-interval=100ms", "litestream.health.max-lag=" + maxLag,
					"litestream.health.max-failure-duration=" + maxFailureDuration)
			.withBean(ReplicaClientFactory.class, () -> (replica) -> {
				this.client = new ControllableReplicaClient(new FileReplicaClient(Path.of(replica.path())));
				return this.client;
			});
	}

	@Test
	void downWhileAReplicaKeepsFailingThenUpAgain() {
		runner("1h", "1s").run((context) -> {
			LitestreamHealthIndicator health = context.getBean(LitestreamHealthIndicator.class);
			write("CREATE TABLE t (x)");
			await().atMost(Duration.ofSeconds(20)).until(() -> health.health(true).getStatus().equals(Status.UP));
			this.client.failing = true;
			write("INSERT INTO t VALUES (1)");
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				Health down = health.health(true);
				assertThat(down.getStatus()).isEqualTo(Status.DOWN);
				assertThat(down.getDetails().toString()).contains("failing since").contains("store unavailable (test)");
			});
			this.client.failing = false;
			await().atMost(Duration.ofSeconds(60)).until(() -> health.health(true).getStatus().equals(Status.UP));
		});
	}

	@Test
	void downWhenLagIsAboveTheThreshold() {
		runner("1s", "1h").run((context) -> {
			LitestreamHealthIndicator health = context.getBean(LitestreamHealthIndicator.class);
			write("CREATE TABLE t (x)");
			await().atMost(Duration.ofSeconds(20)).until(() -> health.health(true).getStatus().equals(Status.UP));
			CountDownLatch hang = new CountDownLatch(1);
			this.client.hang = hang;
			try {
				write("INSERT INTO t VALUES (1)");
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
					Health down = health.health(true);
					assertThat(down.getStatus()).isEqualTo(Status.DOWN);
					assertThat(down.getDetails().toString()).contains("is above 1s");
				});
			}
			finally {
				this.client.hang = null;
				hang.countDown();
			}
			await().atMost(Duration.ofSeconds(60)).until(() -> health.health(true).getStatus().equals(Status.UP));
		});
	}

	@Test
	void downWhenTheReplicaIsFrozenWhileTheLocalPositionAdvances() {
		runner("1h", "1s").run((context) -> {
			LitestreamHealthIndicator health = context.getBean(LitestreamHealthIndicator.class);
			write("CREATE TABLE t (x)");
			await().atMost(Duration.ofSeconds(20)).until(() -> health.health(true).getStatus().equals(Status.UP));
			CountDownLatch hang = new CountDownLatch(1);
			this.client.hang = hang;
			try {
				write("INSERT INTO t VALUES (1)");
				// First look records the frozen replica position; later writes advance the local one.
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
					write("INSERT INTO t VALUES (2)");
					Health down = health.health(true);
					assertThat(down.getStatus()).isEqualTo(Status.DOWN);
					assertThat(down.getDetails().toString()).contains("frozen at");
				});
			}
			finally {
				this.client.hang = null;
				hang.countDown();
			}
		});
	}

	@Test
	void backsOffWhenDisabled() {
		runner("1s", "1s").withPropertyValues("management.health.litestream.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LitestreamHealthIndicator.class)
				.hasSingleBean(LitestreamReplicator.class));
	}

	private void write(String sql) throws SQLException {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + this.dir.resolve("app.db"));
				Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA busy_timeout = 5000");
			statement.execute(sql);
		}
	}

}
