package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.file.FileReplicaClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The replicator's lifecycle in a whole application: the final sync when the context closes, the restore that
 * runs before schema initialisation, and stop/start cycles.
 */
class LitestreamLifecycleTests {

	@TempDir
	Path dir;

	private ConfigurableApplicationContext run(String... extra) {
		String[] base = { "spring.datasource.url=jdbc:sqlite:" + this.dir.resolve("data/app.db"),
				"litestream.replicas[0].type=file", "litestream.replicas[0].path=" + this.dir.resolve("replica"),
				// Long enough that only the final sync can upload the last write.
				"litestream.replicas[0].sync-interval=1h", "spring.main.banner-mode=off" };
		return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
			.properties(base)
			.properties(extra)
			.run();
	}

	@Test
	void finalSyncOnCloseShipsTheLastWrite() throws Exception {
		try (ConfigurableApplicationContext context = run()) {
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			LitestreamReplicator replicator = context.getBean(LitestreamReplicator.class);
			assertThat(replicator.getPhase()).isEqualTo(Integer.MAX_VALUE / 2 - 1024);
			jdbc.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
			// Upload now; with a 1h sync interval the next upload can only be the final sync.
			replicator.databases().get(0).db().syncAndWait(Duration.ofSeconds(20));
			jdbc.update("INSERT INTO tasks (title) VALUES ('last write')");
		}
		Path restored = this.dir.resolve("restored.db");
		RestoreResult result = new Restorer(new FileReplicaClient(this.dir.resolve("replica")))
			.restore(RestoreOptions.latest(restored));
		assertThat(result.integrity()).isEqualTo("ok");
		assertThat(LitestreamApplicationTests.titles(restored)).containsExactly("last write");
	}

	@Test
	void finalSyncShipsAWriteCommittedByAnotherProcessJustBeforeClose() throws Exception {
		Path db = this.dir.resolve("data/app.db");
		try (ConfigurableApplicationContext context = run()) {
			context.getBean(JdbcTemplate.class)
				.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
			context.getBean(LitestreamReplicator.class).databases().get(0).db().syncAndWait(Duration.ofSeconds(20));
			ExternalWriter.write(db, "INSERT INTO tasks (title) VALUES ('from another process')");
		}
		Path restored = this.dir.resolve("restored.db");
		new Restorer(new FileReplicaClient(this.dir.resolve("replica"))).restore(RestoreOptions.latest(restored));
		assertThat(LitestreamApplicationTests.titles(restored)).containsExactly("from another process");
	}

	@Test
	void missingDatabaseIsRestoredBeforeSchemaInitialization() throws Exception {
		try (ConfigurableApplicationContext context = run()) {
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			jdbc.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
			jdbc.update("INSERT INTO tasks (title) VALUES ('before the crash')");
		}
		deleteRecursively(this.dir.resolve("data"));
		// The init script inserts into an existing table: it fails unless the restore ran first.
		try (ConfigurableApplicationContext context = run("spring.sql.init.mode=always",
				"spring.sql.init.schema-locations=classpath:litestream-restore/schema.sql")) {
			List<String> titles = context.getBean(JdbcTemplate.class)
				.queryForList("SELECT title FROM tasks ORDER BY id", String.class);
			assertThat(titles).containsExactly("before the crash", "from init");
		}
	}

	@Test
	void applicationBeanUsingTheDataSourceEarlySeesTheRestoredDatabase() throws Exception {
		try (ConfigurableApplicationContext context = run()) {
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			jdbc.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
			jdbc.update("INSERT INTO tasks (title) VALUES ('restored for an early reader')");
		}
		deleteRecursively(this.dir.resolve("data"));
		// Application beans are created before auto-configured ones: only the DataSource's dependency on the
		// restorer makes this reader wait for the restore.
		String[] base = { "spring.datasource.url=jdbc:sqlite:" + this.dir.resolve("data/app.db"),
				"litestream.replicas[0].type=file", "litestream.replicas[0].path=" + this.dir.resolve("replica"),
				"spring.main.banner-mode=off" };
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class, EarlyReader.class)
			.web(WebApplicationType.NONE)
			.properties(base)
			.run()) {
			assertThat(context.getBean("earlyTitles")).isEqualTo(List.of("restored for an early reader"));
		}
	}

	@Test
	void databaseInitializersDependOnTheRestorer() {
		try (ConfigurableApplicationContext context = run("spring.sql.init.mode=always",
				"spring.sql.init.schema-locations=classpath:litestream-restore/create.sql")) {
			String[] initializers = context.getBeanFactory()
				.getBeanNamesForType(org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer.class);
			assertThat(initializers).isNotEmpty();
			for (String name : initializers) {
				assertThat(context.getBeanFactory().getBeanDefinition(name).getDependsOn())
					.contains(LitestreamStartupRestorer.BEAN_NAME);
			}
		}
	}

	@Test
	void restoreOnStartupNeverStartsEmpty() throws Exception {
		try (ConfigurableApplicationContext context = run()) {
			context.getBean(JdbcTemplate.class).execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT)");
		}
		deleteRecursively(this.dir.resolve("data"));
		assertThatException().isThrownBy(() -> run("litestream.restore-on-startup=never", "spring.sql.init.mode=always",
				"spring.sql.init.schema-locations=classpath:litestream-restore/schema.sql").close())
			.withStackTraceContaining("no such table: tasks");
	}

	@Test
	void noBackupMeansAFreshStart() {
		try (ConfigurableApplicationContext context = run()) {
			// Only the replicator's own bookkeeping tables exist.
			assertThat(context.getBean(JdbcTemplate.class)
				.queryForList("SELECT name FROM sqlite_master WHERE type = 'table'", String.class))
				.allMatch((name) -> name.startsWith("_litestream"));
			assertThat(context.getBean(LitestreamReplicator.class).isRunning()).isTrue();
		}
	}

	@Test
	void survivesStopStartCycles() throws Exception {
		try (ConfigurableApplicationContext context = run()) {
			LitestreamReplicator replicator = context.getBean(LitestreamReplicator.class);
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			jdbc.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
			jdbc.update("INSERT INTO tasks (title) VALUES ('one')");
			context.stop();
			assertThat(replicator.isRunning()).isFalse();
			context.start();
			assertThat(replicator.isRunning()).isTrue();
			jdbc.update("INSERT INTO tasks (title) VALUES ('two')");
			replicator.databases().get(0).db().syncAndWait(Duration.ofSeconds(10));
			Path restored = this.dir.resolve("cycle.db");
			new Restorer(new FileReplicaClient(this.dir.resolve("replica"))).restore(RestoreOptions.latest(restored));
			assertThat(LitestreamApplicationTests.titles(restored)).containsExactly("one", "two");
		}
	}

	private static void deleteRecursively(Path root) throws IOException {
		try (Stream<Path> files = Files.walk(root)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(file);
			}
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	static class EarlyReader {

		@org.springframework.context.annotation.Bean
		List<String> earlyTitles(javax.sql.DataSource dataSource) {
			return new JdbcTemplate(dataSource).queryForList("SELECT title FROM tasks ORDER BY id", String.class);
		}

	}

}
