package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.litestream4j.core.file.FileReplicaClient;

import io.litestream4j.autoconfigure.ReplicationSettings.DbSettings;
import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Binding of {@code litestream.*}, the conditions of the auto-configuration, and every validation error: each
 * must name the property at fault.
 */
@ExtendWith(OutputCaptureExtension.class)
class LitestreamPropertiesTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LitestreamAutoConfiguration.class))
		// Only the settings are under test here: no restore, and replica clients that touch nothing.
		.withPropertyValues("litestream.restore-on-startup=never")
		.withBean(ReplicaClientFactory.class,
				() -> (replica) -> new FileReplicaClient(this.dir.resolve("replicas/" + replica.name())));

	private String db() {
		return "litestream.dbs[0].path=" + dir.resolve("app.db");
	}

	@Test
	void bindsDbsAndAppliesLitestreamDefaults() {
		this.runner.withPropertyValues(db(), "litestream.dbs[0].replicas[0].type=file",
				"litestream.dbs[0].replicas[0].path=" + dir.resolve("backup"),
				"litestream.dbs[0].replicas[1].name=quadtask", "litestream.dbs[0].replicas[1].type=s3",
				"litestream.dbs[0].replicas[1].bucket=litestream", "litestream.dbs[0].replicas[1].path=/quadtask-dev/",
				"litestream.dbs[0].replicas[1].endpoint=s3.example.com", "litestream.dbs[0].replicas[1].sync-interval=10s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LitestreamProperties properties = context.getBean(LitestreamProperties.class);
				assertThat(properties.enabled()).isTrue();
				assertThat(properties.health().maxLag()).isEqualTo(Duration.ofSeconds(60));
				assertThat(properties.lease().ttl()).isEqualTo(Duration.ofSeconds(30));
				ReplicationSettings settings = context.getBean(ReplicationSettings.class);
				DbSettings db = settings.dbs().get(0);
				assertThat(db.path()).isEqualTo(dir.resolve("app.db"));
				assertThat(db.monitorInterval()).isEqualTo(Duration.ofSeconds(1));
				assertThat(db.checkpointInterval()).isEqualTo(Duration.ofMinutes(1));
				assertThat(db.minCheckpointPageCount()).isEqualTo(1000);
				assertThat(db.maxCheckpointPageCount()).isEqualTo(10000);
				ReplicaSettings file = db.replicas().get(0);
				assertThat(file.name()).isEqualTo("file");
				assertThat(file.syncInterval()).isEqualTo(Duration.ofSeconds(1));
				assertThat(file.retention()).isEqualTo(Duration.ofHours(24));
				assertThat(file.describe(null, null))
					.isEqualTo("name=\"file\" type=\"file\" path=\"" + dir.resolve("backup") + "\" sync-interval=1s");
				ReplicaSettings s3 = db.replicas().get(1);
				assertThat(s3.endpoint()).isEqualTo(URI.create("https://s3.example.com"));
				assertThat(s3.forcePathStyle()).isTrue();
				assertThat(s3.overridesClient()).isTrue();
				assertThat(s3.describe(null, null)).isEqualTo("name=\"quadtask\" type=\"s3\" bucket=\"litestream\" "
						+ "path=\"quadtask-dev\" region=\"us-east-1\" endpoint=\"https://s3.example.com\" sync-interval=10s");
			});
	}

	@Test
	void s3ReplicaWithoutOverridesReusesTheApplicationClient() {
		this.runner.withPropertyValues(db(), "litestream.dbs[0].replicas[0].url=s3://bucket/some/path").run((context) -> {
			ReplicaSettings s3 = context.getBean(ReplicationSettings.class).dbs().get(0).replicas().get(0);
			assertThat(s3.bucket()).isEqualTo("bucket");
			assertThat(s3.path()).isEqualTo("some/path");
			assertThat(s3.overridesClient()).isFalse();
			assertThat(s3.credentials()).isNull();
		});
	}

	@Test
	void replicaCredentialsWinOverGlobalOnesAndAreNeverPrinted() {
		this.runner
			.withPropertyValues(db(), "litestream.access-key-id=GLOBALID", "litestream.secret-access-key=GLOBALSECRET",
					"litestream.dbs[0].replicas[0].url=s3://bucket/a", "litestream.dbs[0].replicas[1].url=s3://bucket/b",
					"litestream.dbs[0].replicas[1].name=own", "litestream.dbs[0].replicas[1].access-key-id=OWNID",
					"litestream.dbs[0].replicas[1].secret-access-key=OWNSECRET")
			.run((context) -> {
				ReplicationSettings settings = context.getBean(ReplicationSettings.class);
				assertThat(settings.dbs().get(0).replicas().get(0).credentials().accessKeyId()).isEqualTo("GLOBALID");
				assertThat(settings.dbs().get(0).replicas().get(1).credentials().secretAccessKey()).isEqualTo("OWNSECRET");
				assertThat(settings.toString()).doesNotContain("SECRET");
				assertThat(context.getBean(LitestreamProperties.class).toString()).doesNotContain("SECRET");
			});
	}

	@Test
	void litestreamReplicasApplyToTheSqliteDataSource() {
		this.runner
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + dir.resolve("data/app.db") + "?foo=bar",
					"litestream.replicas[0].type=file", "litestream.replicas[0].path=" + dir.resolve("backup"))
			.run((context) -> {
				DbSettings db = context.getBean(ReplicationSettings.class).dbs().get(0);
				assertThat(db.path()).isEqualTo(dir.resolve("data/app.db"));
				assertThat(Files.isDirectory(dir.resolve("data"))).as("missing parent directory is created").isTrue();
				assertThat(db.replicas()).extracting(ReplicaSettings::key).containsExactly("litestream.replicas[0]");
			});
	}

	@Test
	void litestreamReplicasAreIgnoredWithAWarningWhenDbsAreSet(CapturedOutput output) {
		this.runner
			.withPropertyValues(db(), "litestream.replicas[0].type=file", "litestream.replicas[0].path=/somewhere")
			.run((context) -> {
				assertThat(context.getBean(ReplicationSettings.class).dbs().get(0).replicas()).isEmpty();
				assertThat(output).contains("litestream.replicas is ignored");
			});
	}

	@Test
	void backsOffWhenDisabled() {
		this.runner.withPropertyValues("litestream.enabled=false", db())
			.run((context) -> assertThat(context).doesNotHaveBean(ReplicationSettings.class)
				.doesNotHaveBean(LitestreamProperties.class));
	}

	@Test
	void backsOffWithoutSqliteDriver() {
		this.runner.withClassLoader(new FilteredClassLoader("org.sqlite"))
			.withPropertyValues(db())
			.run((context) -> assertThat(context).doesNotHaveBean(ReplicationSettings.class));
	}

	@Test
	void seedYamlWorksUnchanged() throws IOException {
		Path file = Path.of("src/test/resources/seed-litestream.yml");
		LitestreamYamlConfig.Content content = LitestreamYamlConfig.read(file,
				(name) -> name.equals("ENVIRONMENT") ? "dev" : null);
		LitestreamProperties.Db db = content.dbs().get(0);
		assertThat(db.path()).isEqualTo("/app/data/quadtask.db");
		LitestreamProperties.Replica replica = db.replicas().get(0);
		assertThat(replica.name()).isEqualTo("quadtask");
		assertThat(replica.path()).isEqualTo("quadtask-dev");
		assertThat(replica.endpoint()).isEqualTo("s3.example.com");
		assertThat(replica.region()).isEqualTo("us-east-1");
		assertThat(replica.skipVerify()).isFalse();
		assertThat(replica.syncInterval()).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void litestreamConfigReplacesPropertiesWithOneWarning(CapturedOutput output) throws IOException {
		Path yaml = yaml("""
				dbs:
				- path: %s
				  monitor-interval: 500000000
				  replicas:
				  - name: quadtask
				    type: s3
				    bucket: litestream
				    path: quadtask-${ENVIRONMENT}
				    endpoint: s3.example.com
				    region: us-east-1
				    sync-interval: 1m30s
				""".formatted(dir.resolve("quadtask.db")));
		this.runner.withPropertyValues("litestream.config=" + yaml, "ENVIRONMENT=dev", db(),
				"litestream.dbs[0].replicas[0].path=/x")
			.run((context) -> {
				DbSettings db = context.getBean(ReplicationSettings.class).dbs().get(0);
				assertThat(db.path()).isEqualTo(dir.resolve("quadtask.db"));
				assertThat(db.monitorInterval()).isEqualTo(Duration.ofMillis(500));
				ReplicaSettings replica = db.replicas().get(0);
				assertThat(replica.describe(null, null)).isEqualTo("name=\"quadtask\" type=\"s3\" bucket=\"litestream\" "
						+ "path=\"quadtask-dev\" region=\"us-east-1\" endpoint=\"https://s3.example.com\" sync-interval=1m30s");
				assertThat(output).containsOnlyOnce("litestream.dbs and litestream.replicas are ignored");
			});
	}

	@Test
	void failsOnUnsetVariableInYamlNamingVariableAndKey() throws IOException {
		Path yaml = yaml("""
				dbs:
				  - path: %s
				    replicas:
				      - url: s3://litestream/quadtask-$LITESTREAM4J_SURELY_UNSET
				""".formatted(dir.resolve("app.db")));
		assertFailure("litestream.config=" + yaml).contains("dbs[0].replicas[0].url")
			.contains("variable LITESTREAM4J_SURELY_UNSET is not set");
	}

	@Test
	void failsOnUnimplementedYamlKeysByName() throws IOException {
		Path yaml = yaml("""
				dbs:
				  - path: %s
				    replicas:
				      - url: s3://litestream/db
				        age:
				          recipients: [age1xyz]
				""".formatted(dir.resolve("app.db")));
		assertFailure("litestream.config=" + yaml).contains("dbs[0].replicas[0].age").contains("plaintext");
		Path meta = yaml("""
				dbs:
				  - path: %s
				    meta-path: /var/meta
				""".formatted(dir.resolve("app.db")));
		assertFailure("litestream.config=" + meta).contains("dbs[0].meta-path");
		Path validation = yaml("""
				dbs:
				  - path: %s
				    replicas:
				      - type: file
				        path: /tmp/x
				        validation-interval: 1h
				""".formatted(dir.resolve("app.db")));
		assertFailure("litestream.config=" + validation).contains("dbs[0].replicas[0].validation-interval");
		Path gcs = yaml("""
				dbs:
				  - path: %s
				    replicas:
				      - type: gcs
				        bucket: b
				""".formatted(dir.resolve("app.db")));
		assertFailure("litestream.config=" + gcs).contains("dbs[0].replicas[0].type").contains("'gcs'");
	}

	@Test
	void failsOnBadYamlDurationNamingKey() throws IOException {
		Path yaml = yaml("""
				dbs:
				  - path: %s
				    replicas:
				      - type: file
				        path: /tmp/x
				        sync-interval: soon
				""".formatted(dir.resolve("app.db")));
		assertFailure("litestream.config=" + yaml).contains("dbs[0].replicas[0].sync-interval").contains("'soon'");
	}

	@Test
	void failsOnMissingYamlFile() {
		assertFailure("litestream.config=" + dir.resolve("nope.yml")).startsWith("litestream.config: file not found");
	}

	@Test
	void failsOnUnknownType() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=gcs", "litestream.dbs[0].replicas[0].bucket=b")
			.startsWith("litestream.dbs[0].replicas[0].type: unknown replica type 'gcs'");
	}

	@Test
	void failsOnBadDurationNamingProperty() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=file", "litestream.dbs[0].replicas[0].path=/x",
				"litestream.dbs[0].replicas[0].sync-interval=soon")
			.contains("litestream.dbs[0].replicas[0].sync-interval");
	}

	@Test
	void failsOnNonPositiveSyncInterval() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=file", "litestream.dbs[0].replicas[0].path=/x",
				"litestream.dbs[0].replicas[0].sync-interval=0s")
			.startsWith("litestream.dbs[0].replicas[0].sync-interval: must be positive");
	}

	@Test
	void failsOnEmptyBucket() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=s3", "litestream.dbs[0].replicas[0].bucket=",
				"litestream.dbs[0].replicas[0].path=db")
			.startsWith("litestream.dbs[0].replicas[0].bucket: an s3 replica needs a bucket");
	}

	@Test
	void failsOnFileReplicaWithoutPath() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=file")
			.startsWith("litestream.dbs[0].replicas[0].path: a file replica needs the directory");
	}

	@Test
	void failsOnDuplicateReplicaNames() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=file", "litestream.dbs[0].replicas[0].path=/a",
				"litestream.dbs[0].replicas[1].type=file", "litestream.dbs[0].replicas[1].path=/b")
			.startsWith("litestream.dbs[0].replicas[1].name: duplicate replica name 'file'")
			.contains("litestream.dbs[0].replicas[0]");
	}

	@Test
	void failsOnDuplicateDatabases() {
		assertFailure(db(), "litestream.dbs[1].path=" + dir.resolve("app.db"))
			.startsWith("litestream.dbs[1].path: database").contains("litestream.dbs[0].path");
	}

	@Test
	void failsOnUnresolvedPlaceholderNamingVariableAndProperty() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].type=s3", "litestream.dbs[0].replicas[0].bucket=litestream",
				"litestream.dbs[0].replicas[0].path=quadtask-${LITESTREAM4J_SURELY_UNSET}")
			.startsWith("litestream.dbs[0].replicas[0].path: unresolved placeholder '${LITESTREAM4J_SURELY_UNSET}'")
			.contains("variable LITESTREAM4J_SURELY_UNSET is not set");
	}

	@Test
	void failsOnPlaceholderInSecretWithoutShowingIt() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=s3://litestream/db",
				"litestream.dbs[0].replicas[0].access-key-id=AKIA", "litestream.dbs[0].replicas[0].secret-access-key=ab${X}cd")
			.isEqualTo("litestream.dbs[0].replicas[0].secret-access-key: contains an unresolved placeholder");
	}

	@Test
	void failsOnHalfCredentials() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=s3://litestream/db",
				"litestream.dbs[0].replicas[0].access-key-id=AKIA")
			.isEqualTo("litestream.dbs[0].replicas[0].secret-access-key: must be set together with "
					+ "litestream.dbs[0].replicas[0].access-key-id");
	}

	@Test
	void failsWhenDbDirectoryCannotBeCreated() throws IOException {
		Path file = Files.writeString(dir.resolve("plain-file"), "x");
		assertFailure("litestream.dbs[0].path=" + file.resolve("sub/app.db"))
			.startsWith("litestream.dbs[0].path: directory " + file.resolve("sub"));
	}

	@Test
	void failsOnMissingDbPath() {
		assertFailure("litestream.dbs[0].monitor-interval=1s").startsWith("litestream.dbs[0].path: database path must be set");
	}

	@Test
	void failsOnBadUrlAndEndpoint() {
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=sftp://host/x")
			.startsWith("litestream.dbs[0].replicas[0].url: replica type 'sftp' is not supported");
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=s3://b/x?age=1")
			.startsWith("litestream.dbs[0].replicas[0].url: unsupported URL parameter 'age'");
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=s3://b/x", "litestream.dbs[0].replicas[0].endpoint=ftp://h")
			.startsWith("litestream.dbs[0].replicas[0].endpoint: not an http(s) endpoint");
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=s3://b/x", "litestream.dbs[0].replicas[0].bucket=c")
			.startsWith("litestream.dbs[0].replicas[0].url: cannot be combined with litestream.dbs[0].replicas[0].bucket");
		assertFailure(db(), "litestream.dbs[0].replicas[0].url=s3://b/x",
				"litestream.dbs[0].replicas[0].checksum-calculation=sometimes")
			.startsWith("litestream.dbs[0].replicas[0].checksum-calculation: must be when-supported or when-required");
	}

	@Test
	void failsOnBadCheckpointPageCounts() {
		assertFailure(db(), "litestream.dbs[0].min-checkpoint-page-count=0")
			.startsWith("litestream.dbs[0].min-checkpoint-page-count");
		assertFailure(db(), "litestream.dbs[0].max-checkpoint-page-count=10")
			.startsWith("litestream.dbs[0].max-checkpoint-page-count");
	}

	@Test
	void failsOnReplicasWithoutDatabase() {
		assertFailure("spring.datasource.url=jdbc:sqlite::memory:", "litestream.replicas[0].type=file",
				"litestream.replicas[0].path=/x")
			.startsWith("litestream.replicas: replicas need a database");
	}

	@Test
	void failsOnNegativeHealthThreshold() {
		assertFailure(db(), "litestream.health.max-lag=-1s").startsWith("litestream.health.max-lag");
	}

	@Test
	void failsOnUnknownRestoreOnStartupNamingProperty() {
		assertFailure(db(), "litestream.restore-on-startup=sometimes").contains("litestream.restore-on-startup");
	}

	@Test
	void failureAnalysisNamesTheProperty() {
		InvalidLitestreamConfigException failure = new InvalidLitestreamConfigException(
				"litestream.dbs[0].replicas[0].bucket", "an s3 replica needs a bucket");
		org.springframework.boot.diagnostics.FailureAnalysis analysis = new InvalidLitestreamConfigFailureAnalyzer()
			.analyze(new IllegalStateException("wrapper", failure));
		assertThat(analysis.getDescription()).contains("litestream.dbs[0].replicas[0].bucket: an s3 replica needs a bucket");
		assertThat(analysis.getAction()).startsWith("Fix litestream.dbs[0].replicas[0].bucket");
	}

	private Path yaml(String text) throws IOException {
		return Files.writeString(Files.createTempFile(dir, "litestream", ".yml"), text);
	}

	private org.assertj.core.api.AbstractStringAssert<?> assertFailure(String... properties) {
		String[] message = new String[1];
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			Throwable cause = failure;
			while (cause != null && !(cause instanceof InvalidLitestreamConfigException)) {
				cause = cause.getCause();
			}
			// Binder failures (bad durations, bad enum values) name the property in Spring's own message chain.
			message[0] = (cause != null) ? cause.getMessage() : allMessages(failure);
		});
		return assertThat(message[0]);
	}

	private static String allMessages(Throwable failure) {
		StringBuilder text = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			text.append(t.getMessage()).append('\n');
		}
		return text.toString();
	}

}
