package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import io.litestream4j.autoconfigure.LitestreamProperties.Db;
import io.litestream4j.autoconfigure.LitestreamProperties.Replica;

/**
 * Reads a Litestream v0.3 YAML file ({@code litestream -config}) into the same records the properties bind
 * to. Like Litestream, {@code $VAR} and {@code ${VAR}} are expanded in values; unlike Litestream, an unset
 * variable is an error naming variable and key, because an empty expansion would silently write to another
 * bucket path. Keys we do not implement are refused by name rather than ignored: an ignored {@code age}
 * would upload plaintext.
 */
final class LitestreamYamlConfig {

	private static final Set<String> TOP_KEYS = Set.of("dbs", "access-key-id", "secret-access-key");

	private static final Set<String> DB_KEYS = Set.of("path", "monitor-interval", "checkpoint-interval",
			"min-checkpoint-page-count", "max-checkpoint-page-count", "replicas");

	private static final Set<String> REPLICA_KEYS = Set.of("type", "name", "path", "url", "retention",
			"retention-check-interval", "sync-interval", "snapshot-interval", "access-key-id", "secret-access-key",
			"region", "bucket", "endpoint", "force-path-style", "skip-verify", "checksum-calculation");

	/**
	 * The file's content as records, plus its global credentials.
	 *
	 * @param source the file, as named in messages
	 * @param dbs its databases
	 * @param accessKeyId global access key id
	 * @param secretAccessKey global secret access key
	 */
	record Content(String source, List<Db> dbs, @Nullable String accessKeyId, @Nullable String secretAccessKey) {

		@Override
		public String toString() {
			return "Content[source=" + source + ", dbs=" + dbs + "]";
		}

	}

	private final String source;

	private final Function<String, @Nullable String> variables;

	private LitestreamYamlConfig(String source, Function<String, @Nullable String> variables) {
		this.source = source;
		this.variables = variables;
	}

	/**
	 * @param file the YAML file
	 * @param variables looks up a variable for {@code $VAR} expansion; null when unset
	 */
	static Content read(Path file, Function<String, @Nullable String> variables) {
		String source = "litestream.config (" + file + ")";
		Object root;
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
		}
		catch (NoSuchFileException ex) {
			throw new InvalidLitestreamConfigException("litestream.config", "file not found: " + file);
		}
		catch (IOException ex) {
			throw new InvalidLitestreamConfigException("litestream.config", "cannot read " + file + ": " + ex, ex);
		}
		catch (YAMLException ex) {
			throw new InvalidLitestreamConfigException("litestream.config", "invalid YAML in " + file + ": "
					+ ex.getMessage(), ex);
		}
		return new LitestreamYamlConfig(source, variables).content(root);
	}

	private Content content(@Nullable Object root) {
		if (root == null) {
			return new Content(source, List.of(), null, null);
		}
		Map<String, Object> top = map(root, "");
		checkKeys(top, TOP_KEYS, "");
		List<Db> dbs = new ArrayList<>();
		List<Object> dbNodes = list(top.get("dbs"), "dbs");
		for (int i = 0; i < dbNodes.size(); i++) {
			dbs.add(db(map(dbNodes.get(i), "dbs[" + i + "]"), "dbs[" + i + "]."));
		}
		return new Content(source, dbs, string(top.get("access-key-id"), "access-key-id"),
				string(top.get("secret-access-key"), "secret-access-key"));
	}

	private Db db(Map<String, Object> node, String prefix) {
		checkKeys(node, DB_KEYS, prefix);
		List<Replica> replicas = new ArrayList<>();
		List<Object> replicaNodes = list(node.get("replicas"), prefix + "replicas");
		for (int j = 0; j < replicaNodes.size(); j++) {
			String replicaPrefix = prefix + "replicas[" + j + "]";
			replicas.add(replica(map(replicaNodes.get(j), replicaPrefix), replicaPrefix + "."));
		}
		return new Db(string(node.get("path"), prefix + "path"),
				duration(node.get("monitor-interval"), prefix + "monitor-interval", Duration.ofSeconds(1)),
				duration(node.get("checkpoint-interval"), prefix + "checkpoint-interval", Duration.ofMinutes(1)),
				integer(node.get("min-checkpoint-page-count"), prefix + "min-checkpoint-page-count", 1000),
				integer(node.get("max-checkpoint-page-count"), prefix + "max-checkpoint-page-count", 10000), replicas);
	}

	private Replica replica(Map<String, Object> node, String prefix) {
		checkKeys(node, REPLICA_KEYS, prefix);
		Object forcePathStyle = node.get("force-path-style");
		return new Replica(string(node.get("name"), prefix + "name"), string(node.get("type"), prefix + "type"),
				string(node.get("url"), prefix + "url"), string(node.get("bucket"), prefix + "bucket"),
				string(node.get("path"), prefix + "path"), string(node.get("endpoint"), prefix + "endpoint"),
				string(node.get("region"), prefix + "region"),
				(forcePathStyle != null) ? bool(forcePathStyle, prefix + "force-path-style") : null,
				bool(node.getOrDefault("skip-verify", false), prefix + "skip-verify"),
				duration(node.get("sync-interval"), prefix + "sync-interval", Duration.ofSeconds(1)),
				duration(node.get("snapshot-interval"), prefix + "snapshot-interval", null),
				duration(node.get("retention"), prefix + "retention", Duration.ofHours(24)),
				duration(node.get("retention-check-interval"), prefix + "retention-check-interval", Duration.ofHours(1)),
				string(node.get("access-key-id"), prefix + "access-key-id"),
				string(node.get("secret-access-key"), prefix + "secret-access-key"),
				string(node.get("checksum-calculation"), prefix + "checksum-calculation"));
	}

	private void checkKeys(Map<String, Object> node, Set<String> supported, String prefix) {
		for (String key : node.keySet()) {
			if (!supported.contains(key)) {
				throw error(prefix + key, unsupportedReason(key));
			}
		}
	}

	private static String unsupportedReason(String key) {
		return switch (key) {
			case "age" -> "age encryption is not supported by litestream4j; refusing to upload plaintext";
			case "addr" -> "not supported; metrics are served by Spring Boot actuator at /actuator/prometheus";
			case "exec" -> "not supported; the application itself is the process being replicated";
			case "replica" -> "a single 'replica' is Litestream v0.5 syntax; use a 'replicas' list (v0.3)";
			default -> "key not supported by litestream4j (supported keys are listed in the README)";
		};
	}

	private InvalidLitestreamConfigException error(String key, String problem) {
		return new InvalidLitestreamConfigException(source + ": " + key, problem);
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> map(Object node, String key) {
		if (node instanceof Map<?, ?> map) {
			for (Object name : map.keySet()) {
				if (!(name instanceof String)) {
					throw error(key, "key " + name + " is not text");
				}
			}
			return (Map<String, Object>) map;
		}
		throw error(key.isEmpty() ? "(top level)" : key, "expected a mapping, found " + describe(node));
	}

	@SuppressWarnings("unchecked")
	private List<Object> list(@Nullable Object node, String key) {
		if (node == null) {
			return List.of();
		}
		if (node instanceof List<?> list) {
			return (List<Object>) list;
		}
		throw error(key, "expected a list, found " + describe(node));
	}

	private static String describe(Object node) {
		return (node instanceof Map) ? "a mapping" : (node instanceof List) ? "a list" : "a scalar";
	}

	private @Nullable String string(@Nullable Object node, String key) {
		if (node == null) {
			return null;
		}
		if (node instanceof Map || node instanceof List) {
			throw error(key, "expected a value, found " + describe(node));
		}
		return expand(node.toString(), key);
	}

	private boolean bool(Object node, String key) {
		if (node instanceof Boolean value) {
			return value;
		}
		String text = string(node, key);
		return switch (text.trim().toLowerCase()) {
			case "true", "yes", "on", "1" -> true;
			case "false", "no", "off", "0", "" -> false;
			default -> throw error(key, "expected true or false, found '" + text + "'");
		};
	}

	private int integer(@Nullable Object node, String key, int defaultValue) {
		if (node == null) {
			return defaultValue;
		}
		if (node instanceof Integer value) {
			return value;
		}
		String text = string(node, key);
		try {
			return Integer.parseInt(text.trim());
		}
		catch (NumberFormatException ex) {
			throw error(key, "expected an integer, found '" + text + "'");
		}
	}

	private @Nullable Duration duration(@Nullable Object node, String key, @Nullable Duration defaultValue) {
		if (node == null) {
			return defaultValue;
		}
		if (node instanceof Number number) {
			// Go decodes a YAML integer into time.Duration as nanoseconds.
			return Duration.ofNanos(number.longValue());
		}
		try {
			return GoDurations.parse(string(node, key));
		}
		catch (IllegalArgumentException ex) {
			throw error(key, ex.getMessage());
		}
	}

	/** Go's {@code os.Expand} syntax, with unset variables refused. */
	private String expand(String value, String key) {
		if (value.indexOf('$') < 0) {
			return value;
		}
		StringBuilder out = new StringBuilder();
		int i = 0;
		while (i < value.length()) {
			char c = value.charAt(i);
			if (c != '$' || i + 1 >= value.length()) {
				out.append(c);
				i++;
				continue;
			}
			String rest = value.substring(i + 1);
			String name;
			int width;
			if (rest.charAt(0) == '{') {
				int close = rest.indexOf('}');
				if (close < 0) {
					throw error(key, "unterminated variable reference '${' in value");
				}
				name = rest.substring(1, close);
				width = close + 1;
				if (name.isEmpty()) {
					throw error(key, "empty variable reference '${}' in value");
				}
			}
			else if ("*#$@!?-0123456789".indexOf(rest.charAt(0)) >= 0) {
				name = rest.substring(0, 1);
				width = 1;
			}
			else {
				int end = 0;
				while (end < rest.length() && (Character.isLetterOrDigit(rest.charAt(end)) || rest.charAt(end) == '_')
						&& rest.charAt(end) < 128) {
					end++;
				}
				name = rest.substring(0, end);
				width = end;
			}
			if (name.isEmpty()) {
				// '$' not followed by a name stays as it is, as in Go.
				out.append('$');
				i++;
				continue;
			}
			String resolved = variables.apply(name);
			if (resolved == null) {
				throw error(key, "variable " + name + " is not set (Litestream would expand it to empty text)");
			}
			out.append(resolved);
			i += 1 + width;
		}
		return out.toString();
	}

}
