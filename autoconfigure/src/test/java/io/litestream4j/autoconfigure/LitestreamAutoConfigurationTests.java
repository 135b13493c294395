package io.litestream4j.autoconfigure;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.testing.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which beans exist under which conditions, the SQLite pool settings, and the choice between the application's
 * {@code S3Client} and a dedicated one.
 */
@ExtendWith(OutputCaptureExtension.class)
class LitestreamAutoConfigurationTests {

	@RegisterExtension
	static S3ProxyServer s3 = new S3ProxyServer("litestream");

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LitestreamAutoConfiguration.class,
				LitestreamEndpointAutoConfiguration.class, LitestreamHealthContributorAutoConfiguration.class,
				LitestreamMetricsAutoConfiguration.class))
		.withPropertyValues("management.endpoints.web.exposure.include=litestream");

	private String[] fileReplica() {
		return new String[] { "litestream.dbs[0].path=" + this.dir.resolve("app.db"),
				"litestream.dbs[0].replicas[0].type=file",
				"litestream.dbs[0].replicas[0].path=" + this.dir.resolve("replica") };
	}

	@Test
	void everythingIsThereWithActuatorAndMicrometer() {
		this.runner.withPropertyValues(fileReplica())
			.run((context) -> assertThat(context).hasSingleBean(LitestreamReplicator.class)
				.hasSingleBean(LitestreamEndpoint.class)
				.hasSingleBean(LitestreamHealthIndicator.class)
				.hasSingleBean(LitestreamMetrics.class)
				.hasBean(LitestreamStartupRestorer.BEAN_NAME));
	}

	@Test
	void withoutActuatorOnlyReplicationRemains() {
		this.runner.withPropertyValues(fileReplica())
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate", "org.springframework.boot.health"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(LitestreamReplicator.class)
				.doesNotHaveBean(LitestreamEndpoint.class)
				.doesNotHaveBean(LitestreamHealthIndicator.class));
	}

	@Test
	void withoutMicrometerThereAreNoMetrics() {
		this.runner.withPropertyValues(fileReplica())
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasSingleBean(LitestreamReplicator.class)
				.doesNotHaveBean(LitestreamMetrics.class));
	}

	@Test
	void endpointNeedsExposure() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LitestreamAutoConfiguration.class,
				LitestreamEndpointAutoConfiguration.class))
			.withPropertyValues(fileReplica())
			.run((context) -> assertThat(context).hasSingleBean(LitestreamReplicator.class)
				.doesNotHaveBean(LitestreamEndpoint.class));
	}

	@Test
	void disabledMeansNothing() {
		this.runner.withPropertyValues(fileReplica())
			.withPropertyValues("litestream.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LitestreamReplicator.class)
				.doesNotHaveBean(LitestreamEndpoint.class)
				.doesNotHaveBean(LitestreamMetrics.class)
				.doesNotHaveBean(LitestreamHealthIndicator.class));
	}

	@Test
	void withoutSqliteNothing() {
		this.runner.withPropertyValues(fileReplica())
			.withClassLoader(new FilteredClassLoader("org.sqlite"))
			.run((context) -> assertThat(context).doesNotHaveBean(LitestreamReplicator.class)
				.doesNotHaveBean(LitestreamEndpoint.class));
	}

	@Test
	void metricsAreBoundToTheRegistry() {
		this.runner.withPropertyValues(fileReplica()).run((context) -> {
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			context.getBean(LitestreamMetrics.class).bindTo(registry);
			assertThat(registry.find("litestream.replication.lag").tags("db", "app.db", "replica", "file").gauge())
				.isNotNull();
			assertThat(registry.find("litestream.replica.operations")
				.tags("replica", "file", "operation", "PUT")
				.functionCounter()).isNotNull();
			for (String name : new String[] { "litestream.db.size", "litestream.wal.size", "litestream.total.wal.bytes",
					"litestream.shadow.wal.index", "litestream.shadow.wal.size", "litestream.sync.count",
					"litestream.sync.error.count", "litestream.sync.seconds", "litestream.checkpoint.count",
					"litestream.checkpoint.error.count", "litestream.checkpoint.seconds", "litestream.replica.wal.index",
					"litestream.replica.wal.offset", "litestream.replica.wal.bytes", "litestream.replica.operation.bytes",
					"litestream.replica.snapshots" }) {
				assertThat(registry.find(name).tag("db", "app.db").meters()).as(name).isNotEmpty();
			}
			try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + this.dir.resolve("app.db"));
					Statement statement = connection.createStatement()) {
				statement.execute("CREATE TABLE t (x)");
			}
			String generation = org.awaitility.Awaitility.await()
				.atMost(Duration.ofSeconds(20))
				.until(() -> registry.find("litestream.generation").tag("db", "app.db").gauge(), (gauge) -> gauge != null)
				.getId()
				.getTag("generation");
			assertThat(generation).isEqualTo(context.getBean(LitestreamReplicator.class).databases().get(0).db().generation());
		});
	}

	@Test
	void sqliteDataSourceGetsWalBusyTimeoutAndPoolSuspension() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, LitestreamAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + this.dir.resolve("app.db"))
			.run((context) -> {
				HikariDataSource dataSource = context.getBean(HikariDataSource.class);
				assertThat(dataSource.isAllowPoolSuspension()).isTrue();
				try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
					assertThat(statement.executeQuery("PRAGMA journal_mode").getString(1)).isEqualTo("wal");
					assertThat(statement.executeQuery("PRAGMA busy_timeout").getInt(1)).isEqualTo(5000);
				}
			});
	}

	@Test
	void applicationBusyTimeoutIsKept() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, LitestreamAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + this.dir.resolve("app.db"),
					"spring.datasource.hikari.data-source-properties.busy_timeout=12345")
			.run((context) -> {
				try (Connection connection = context.getBean(HikariDataSource.class).getConnection();
						Statement statement = connection.createStatement()) {
					assertThat(statement.executeQuery("PRAGMA busy_timeout").getInt(1)).isEqualTo(12345);
				}
			});
	}

	@Test
	void applicationCheckpointsThroughThePoolAreRoutedToTheReplicator() {
		Path db = this.dir.resolve("routed.db");
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, LitestreamAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + db, "litestream.replicas[0].type=file",
					"litestream.replicas[0].path=" + this.dir.resolve("replica"))
			.run((context) -> {
				// Still the pool's own type for everyone injecting it.
				HikariDataSource dataSource = context.getBean(HikariDataSource.class);
				io.litestream4j.core.DB replicated = context.getBean(LitestreamReplicator.class).databases().get(0).db();
				try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
					statement.execute("CREATE TABLE t (x)");
					statement.execute("INSERT INTO t VALUES (1)");
					replicated.sync();
					String generation = replicated.generation();
					long checkpoints = replicated.stats().checkpointCount();
					try (java.sql.ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
						assertThat(rs.getInt("busy")).isZero();
					}
					assertThat(replicated.stats().checkpointCount()).isGreaterThan(checkpoints);
					assertThat(replicated.generation()).isEqualTo(generation);
					assertThat(replicated.pos().index()).as("the WAL restarted, same generation").isPositive();
				}
			});
	}

	@Test
	void replicaWithoutOverridesSharesTheApplicationS3Client(CapturedOutput output) {
		S3Client application = S3Client.builder()
			.endpointOverride(URI.create(s3.endpoint()))
			.region(Region.of(s3.region()))
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
			.build();
		this.runner.withBean(S3Client.class, () -> application)
			.withPropertyValues("litestream.dbs[0].path=" + this.dir.resolve("shared.db"),
					"litestream.dbs[0].replicas[0].url=s3://litestream/shared",
					"litestream.dbs[0].replicas[0].sync-interval=100ms")
			.run((context) -> {
				LitestreamReplicator replicator = context.getBean(LitestreamReplicator.class);
				ReplicaClient client = replicator.databases().get(0).db().replicas().get(0).client();
				assertThat(client).isInstanceOf(S3ReplicaClient.class);
				assertThat(((S3ReplicaClient) client).endpoint()).isEqualTo(s3.endpoint());
				try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + this.dir.resolve("shared.db"));
						Statement statement = connection.createStatement()) {
					statement.execute("CREATE TABLE t (x)");
				}
				replicator.databases().get(0).db().syncAndWait(Duration.ofSeconds(20));
				try (Stream<Path> objects = Files.walk(s3.dataDir().resolve("litestream/shared"))) {
					assertThat(objects.map(Path::toString)).anyMatch((name) -> name.endsWith(".snapshot.lz4"));
				}
			});
		assertThat(output).contains("replicating to: name=\"s3\" type=\"s3\" bucket=\"litestream\" path=\"shared\" "
				+ "region=\"us-east-1\" endpoint=\"" + s3.endpoint() + "\" sync-interval=100ms");
		application.close();
	}

	@Test
	void litestreamYamlInTheSeedsShapeReplicatesToS3(CapturedOutput output) throws Exception {
		Path yaml = Files.writeString(this.dir.resolve("litestream.yml"), """
				dbs:
				- path: %s
				  replicas:
				  - name: quadtask
				    type: s3
				    bucket: litestream
				    path: quadtask-${ENVIRONMENT}
				    endpoint: $S3_ENDPOINT
				    skip-verify: false
				    region: us-east-1
				    access-key-id: ${KEY_ID}
				    secret-access-key: ${SECRET}
				    sync-interval: 100ms
				""".formatted(this.dir.resolve("quadtask.db")));
		this.runner
			.withPropertyValues("litestream.config=" + yaml, "ENVIRONMENT=dev", "S3_ENDPOINT=" + s3.endpoint(),
					"KEY_ID=" + s3.accessKey(), "SECRET=" + s3.secretKey())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + this.dir.resolve("quadtask.db"));
						Statement statement = connection.createStatement()) {
					statement.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT)");
				}
				context.getBean(LitestreamReplicator.class).databases().get(0).db().syncAndWait(Duration.ofSeconds(20));
				try (Stream<Path> objects = Files.walk(s3.dataDir().resolve("litestream/quadtask-dev"))) {
					assertThat(objects.map(Path::toString)).anyMatch((name) -> name.endsWith(".snapshot.lz4"));
				}
			});
		assertThat(output).contains("replicating to: name=\"quadtask\" type=\"s3\" bucket=\"litestream\" "
				+ "path=\"quadtask-dev\" region=\"us-east-1\" endpoint=\"" + s3.endpoint() + "\" sync-interval=100ms");
		assertThat(output).doesNotContain(s3.secretKey());
	}

	@Test
	void replicaWithoutOverridesAndWithoutApplicationClientGetsItsOwn() {
		ReplicationSettings.ReplicaSettings replica = new ReplicationSettingsResolver(new MockEnvironment())
			.replicaFromUrl("litestream.dbs[0].replicas[0].url", "s3://litestream/own", null);
		AwsS3ReplicaClientFactory factory = new AwsS3ReplicaClientFactory(() -> null);
		// Building a client makes no request; region and credentials are never probed here.
		try (ReplicaClient client = factory.create(replica)) {
			assertThat(((S3ReplicaClient) client).endpoint()).isEqualTo("aws");
			assertThat(factory.effectiveRegion(client)).isEqualTo("us-east-1");
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
