package io.litestream4j.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Validates {@code docker-compose.yml} with the compose tool itself ({@code docker-compose config}, Debian's
 * docker-compose 1.29, which parses without a Docker engine; or {@code docker compose config}). Without either
 * those tests skip, except under {@code CI=true}, where they fail. No container is started and no image built:
 * there is no Docker engine where these tests run. The files the stack mounts or builds from are checked too.
 */
class ComposeFileTests {

	private static final List<String> COMPOSE_VARIABLES = List.of("ENVIRONMENT", "MINIO_ROOT_USER",
			"MINIO_ROOT_PASSWORD", "LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY");

	private static Path root;

	private static List<String> compose;

	@TempDir
	Path temp;

	@BeforeAll
	static void findComposeAndRepositoryRoot() {
		root = repositoryRoot();
		compose = composeCommand();
	}

	/** Skips the calling test without a compose tool, or fails it under {@code CI=true}. */
	private static void requireCompose() {
		if (compose == null) {
			String message = "neither `docker-compose` nor `docker compose` is installed "
					+ "(apt-get install docker-compose); docker-compose.yml not validated";
			if ("true".equalsIgnoreCase(System.getenv("CI"))) {
				fail(message + " (CI=true: failing instead of skipping)");
			}
			abort(message);
		}
	}

	@Test
	void composeFileIsValidWithTheExampleEnvFile() throws Exception {
		Result result = compose(root.resolve(".env.example"), "config", "-q");
		assertThat(result.exitCode()).as(result.output()).isZero();
	}

	@Test
	void missingSecretsAreRefusedNamingTheEnvFile() throws Exception {
		Path empty = Files.writeString(this.temp.resolve("empty.env"), "# nothing\n");
		Result result = compose(empty, "config", "-q");
		assertThat(result.exitCode()).isNotZero();
		assertThat(result.output()).contains("copy .env.example to .env");
	}

	@Test
	@SuppressWarnings("unchecked")
	void stackHasMinioBucketAppAndPrometheusWiredTogether() throws Exception {
		Path dummy = Files.writeString(this.temp.resolve("dummy.env"),
				"MINIO_ROOT_USER=dummy-admin\nMINIO_ROOT_PASSWORD=dummy-admin-password\n"
						+ "LITESTREAM_ACCESS_KEY_ID=dummy-key\nLITESTREAM_SECRET_ACCESS_KEY=dummy-secret\n");
		Result result = compose(dummy, "config");
		assertThat(result.exitCode()).as(result.output()).isZero();
		Map<String, Object> config = new Yaml().load(result.stdout());
		Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) config.get("services");
		assertThat(services).containsKeys("minio", "createbucket", "app", "app-prod", "prometheus");

		Map<String, Object> app = services.get("app");
		Map<String, Object> build = (Map<String, Object>) app.get("build");
		assertThat(build.get("dockerfile")).isEqualTo("sample-app/Dockerfile");
		assertThat(root.resolve("sample-app/Dockerfile")).exists();
		Map<String, Object> environment = (Map<String, Object>) app.get("environment");
		assertThat(environment).containsEntry("ENVIRONMENT", "dev")
			.containsEntry("SPRING_PROFILES_ACTIVE", "docker")
			.containsEntry("LITESTREAM_ACCESS_KEY_ID", "dummy-key")
			.containsEntry("LITESTREAM_SECRET_ACCESS_KEY", "dummy-secret")
			.containsEntry("AWS_EC2_METADATA_DISABLED", "true");
		assertThat(condition(app, "minio")).isEqualTo("service_healthy");
		assertThat(condition(app, "createbucket")).isEqualTo("service_completed_successfully");
		assertThat(condition(services.get("createbucket"), "minio")).isEqualTo("service_healthy");
		assertThat(condition(services.get("prometheus"), "app")).isEqualTo("service_healthy");
		assertThat((List<String>) app.get("volumes")).anyMatch((volume) -> volume.startsWith("app-data:/app/data"));
		for (String service : List.of("minio", "app", "app-prod", "prometheus")) {
			assertThat(services.get(service)).as(service).containsKey("healthcheck");
		}
		assertThat(((Map<String, Object>) services.get("app-prod").get("environment"))).containsEntry("ENVIRONMENT",
				"prod");
		assertThat(String.join(" ", (List<String>) services.get("createbucket").get("command")))
			.contains("mc mb --ignore-existing local/litestream");
	}

	@Test
	@SuppressWarnings("unchecked")
	void prometheusScrapesTheActuator() throws IOException {
		Map<String, Object> prometheus = new Yaml()
			.load(Files.readString(root.resolve("prometheus/prometheus.yml"), StandardCharsets.UTF_8));
		List<Map<String, Object>> jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
		Map<String, Object> quadtask = jobs.stream()
			.filter((job) -> "quadtask".equals(job.get("job_name")))
			.findFirst()
			.orElseThrow();
		assertThat(quadtask.get("metrics_path")).isEqualTo("/actuator/prometheus");
		List<Map<String, Object>> targets = (List<Map<String, Object>>) quadtask.get("static_configs");
		assertThat((List<String>) targets.get(0).get("targets")).containsExactly("app:8080");
	}

	@Test
	void dockerfileBuildsWithTheWrapperAndCopiesTheJarThePomNames() throws IOException {
		String dockerfile = Files.readString(root.resolve("sample-app/Dockerfile"));
		String pom = Files.readString(root.resolve("sample-app/pom.xml"));
		Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
		assertThat(finalName.find()).as("sample-app/pom.xml sets finalName").isTrue();
		assertThat(dockerfile).contains("./mvnw -B -q -pl sample-app -am package")
			.contains("COPY --from=build /src/sample-app/target/" + finalName.group(1) + ".jar ")
			.contains("ENTRYPOINT [\"java\", \"-jar\"");
		assertThat(Files.readAllLines(root.resolve(".dockerignore"))).contains(".env", "**/target", "data");
	}

	@Test
	void envExampleIsCommittedAndEnvIsIgnored() throws IOException {
		assertThat(Files.readAllLines(root.resolve(".gitignore"))).contains(".env");
		String example = Files.readString(root.resolve(".env.example"));
		for (String variable : COMPOSE_VARIABLES) {
			assertThat(example).contains(variable + "=");
		}
	}

	@SuppressWarnings("unchecked")
	private static Object condition(Map<String, Object> service, String dependency) {
		Map<String, Object> dependsOn = (Map<String, Object>) service.get("depends_on");
		assertThat(dependsOn).containsKey(dependency);
		return ((Map<String, Object>) dependsOn.get(dependency)).get("condition");
	}

	private Result compose(Path envFile, String... args) throws IOException, InterruptedException {
		requireCompose();
		List<String> command = new ArrayList<>(compose);
		command.addAll(List.of("--project-directory", root.toString()));
		command.addAll(List.of("-f", root.resolve("docker-compose.yml").toString()));
		command.addAll(List.of("--env-file", envFile.toString()));
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
		COMPOSE_VARIABLES.forEach(builder.environment()::remove);
		builder.environment().keySet().removeIf((name) -> name.startsWith("COMPOSE_"));
		Path stdout = this.temp.resolve("stdout-" + System.nanoTime());
		Path stderr = this.temp.resolve("stderr-" + System.nanoTime());
		Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
		if (!process.waitFor(120, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			fail("compose did not finish in 120 s: " + command);
		}
		return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
	}

	private static List<String> composeCommand() {
		for (List<String> candidate : List.of(List.of("docker-compose"), List.of("docker", "compose"))) {
			List<String> version = new ArrayList<>(candidate);
			version.add("version");
			try {
				Process process = new ProcessBuilder(version).redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.start();
				if (process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0) {
					return candidate;
				}
				process.destroyForcibly();
			}
			catch (IOException ex) {
				// not installed: try the next one
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return null;
			}
		}
		return null;
	}

	private static Path repositoryRoot() {
		Path dir = Path.of("").toAbsolutePath();
		while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
			dir = dir.getParent();
		}
		assertThat(dir).as("a parent directory holding docker-compose.yml").isNotNull();
		return dir;
	}

	private record Result(int exitCode, String stdout, String stderr) {

		String output() {
			return this.stdout + this.stderr;
		}

	}

}
