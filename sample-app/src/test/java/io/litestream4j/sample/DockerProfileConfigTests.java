package io.litestream4j.sample;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The {@code docker} profile resolves to the seed's {@code litestream.yml}: bucket {@code litestream}, path
 * {@code quadtask-${ENVIRONMENT}}, MinIO's endpoint, region {@code us-east-1}, database under {@code /app/data}.
 * Checked on the property sources alone: starting the app here would contact {@code minio:9000}.
 */
class DockerProfileConfigTests {

	@Test
	void dockerProfileResolvesToTheSeedConfiguration() throws IOException {
		StandardEnvironment environment = environment(Map.of("ENVIRONMENT", "dev"));
		assertThat(environment.getProperty("litestream.dbs[0].path")).isEqualTo("/app/data/quadtask.db");
		assertThat(environment.getProperty("spring.datasource.url")).startsWith("jdbc:sqlite:/app/data/quadtask.db?");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].name")).isEqualTo("quadtask");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].type")).isEqualTo("s3");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].bucket")).isEqualTo("litestream");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].path")).isEqualTo("quadtask-dev");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].endpoint")).isEqualTo("http://minio:9000");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].region")).isEqualTo("us-east-1");
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].skip-verify")).isEqualTo("false");
		List<Replica> replicas = Binder.get(environment)
			.bind("litestream.dbs[0].replicas", Bindable.listOf(Replica.class))
			.get();
		assertThat(replicas).as("the profile's list replaces the default's file replica")
			.containsExactly(new Replica("quadtask", "s3", "quadtask-dev"));
		assertThat(environment.getProperty("litestream.restore-on-startup")).isEqualTo("if-db-not-exists");
	}

	@Test
	void replicaPathFollowsEnvironment() throws IOException {
		StandardEnvironment environment = environment(Map.of("ENVIRONMENT", "prod"));
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].path")).isEqualTo("quadtask-prod");
	}

	@Test
	void unsetEnvironmentIsAnErrorNotAnEmptyPath() throws IOException {
		StandardEnvironment environment = environment(Map.of());
		assertThatIllegalArgumentException()
			.isThrownBy(() -> environment.getRequiredProperty("litestream.dbs[0].replicas[0].path"))
			.withMessageContaining("ENVIRONMENT");
	}

	@Test
	void credentialsAreNotInTheProfileFile() throws IOException {
		StandardEnvironment environment = environment(Map.of("ENVIRONMENT", "dev"));
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].access-key-id")).isNull();
		assertThat(environment.getProperty("litestream.dbs[0].replicas[0].secret-access-key")).isNull();
		assertThat(environment.getProperty("litestream.access-key-id")).isNull();
	}

	record Replica(String name, String type, String path) {

	}

	/**
	 * The profile file over the default file, as Spring Boot orders them, with {@code variables} standing in for
	 * the process environment.
	 */
	private static StandardEnvironment environment(Map<String, Object> variables) throws IOException {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().addLast(new MapPropertySource("variables", variables));
		YamlPropertySourceLoader loader = new YamlPropertySourceLoader();
		for (String file : new String[] { "application-docker.yml", "application.yml" }) {
			for (PropertySource<?> source : loader.load(file, new ClassPathResource(file))) {
				environment.getPropertySources().addLast(source);
			}
		}
		return environment;
	}

}
