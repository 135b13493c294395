package io.litestream4j.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * One running QuadTask application on a free loopback port, configured with command-line arguments (which win
 * over {@code application.yml}, and replace its lists), talking to its own API over HTTP.
 */
final class QuadTaskInstance implements AutoCloseable {

	private static final ParameterizedTypeReference<List<Map<String, Object>>> TASKS =
			new ParameterizedTypeReference<>() {
			};

	private final ConfigurableApplicationContext context;

	private final RestClient http;

	private QuadTaskInstance(ConfigurableApplicationContext context) {
		this.context = context;
		String port = context.getEnvironment().getRequiredProperty("local.server.port");
		this.http = RestClient.create("http://127.0.0.1:" + port);
	}

	static QuadTaskInstance start(Map<String, String> properties) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=0");
		args.add("--server.address=127.0.0.1");
		properties.forEach((key, value) -> args.add("--" + key + "=" + value));
		SpringApplicationBuilder builder = new SpringApplicationBuilder(QuadTaskApplication.class);
		return new QuadTaskInstance(builder.run(args.toArray(String[]::new)));
	}

	Map<String, Object> create(String title, boolean urgent, boolean important) {
		return this.http.post()
			.uri("/api/tasks")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("title", title, "urgent", urgent, "important", important))
			.retrieve()
			.body(new ParameterizedTypeReference<Map<String, Object>>() {
			});
	}

	void complete(Object id) {
		this.http.post().uri("/api/tasks/{id}/complete", id).retrieve().toBodilessEntity();
	}

	void delete(Object id) {
		this.http.delete().uri("/api/tasks/{id}", id).retrieve().toBodilessEntity();
	}

	List<Map<String, Object>> tasks() {
		return this.http.get().uri("/api/tasks").retrieve().body(TASKS);
	}

	String actuator(String path) {
		return this.http.get().uri("/actuator/" + path).retrieve().body(String.class);
	}

	String postActuator(String path, String json) {
		return this.http.post()
			.uri("/actuator/" + path)
			.contentType(MediaType.APPLICATION_JSON)
			.body(json)
			.retrieve()
			.body(String.class);
	}

	ConfigurableApplicationContext context() {
		return this.context;
	}

	@Override
	public void close() {
		this.context.close();
	}

}
