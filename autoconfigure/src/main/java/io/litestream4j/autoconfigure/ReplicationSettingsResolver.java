package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.env.Environment;

import io.litestream4j.autoconfigure.LitestreamProperties.Db;
import io.litestream4j.autoconfigure.LitestreamProperties.Replica;
import io.litestream4j.autoconfigure.ReplicationSettings.Credentials;
import io.litestream4j.autoconfigure.ReplicationSettings.DbSettings;
import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * Turns {@code litestream.*} (or the YAML file it points to) into {@link ReplicationSettings}, failing at
 * startup with the property at fault for every value that cannot work.
 */
public final class ReplicationSettingsResolver {

	private static final Log logger = LogFactory.getLog(ReplicationSettingsResolver.class);

	/** What Spring's binder leaves behind when a variable is missing. */
	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]*)(?::[^}]*)?}");

	private static final String DATASOURCE_URL = "spring.datasource.url";

	private final Environment environment;

	public ReplicationSettingsResolver(Environment environment) {
		this.environment = environment;
	}

	public ReplicationSettings resolve(LitestreamProperties properties) {
		List<Source> sources = new ArrayList<>();
		String source;
		Credentials global;
		if (properties.config() != null && !properties.config().isBlank()) {
			checkPlaceholder("litestream.config", properties.config(), false);
			if (!properties.dbs().isEmpty() || !properties.replicas().isEmpty()) {
				logger.warn("litestream.config is set: litestream.dbs and litestream.replicas are ignored");
			}
			Path file = Path.of(properties.config()).toAbsolutePath().normalize();
			LitestreamYamlConfig.Content content = LitestreamYamlConfig.read(file, environment::getProperty);
			source = content.source();
			for (int i = 0; i < content.dbs().size(); i++) {
				String key = content.source() + ": dbs[" + i + "]";
				sources.add(new Source(key, key + ".path", content.dbs().get(i), false));
			}
			global = pair(content.accessKeyId(), content.secretAccessKey(), content.source() + ": access-key-id",
					content.source() + ": secret-access-key", false);
		}
		else {
			source = "litestream.*";
			if (!properties.dbs().isEmpty()) {
				if (!properties.replicas().isEmpty()) {
					logger.warn("litestream.dbs is set: litestream.replicas is ignored (configure replicas under "
							+ "litestream.dbs[i].replicas)");
				}
				for (int i = 0; i < properties.dbs().size(); i++) {
					String key = "litestream.dbs[" + i + "]";
					sources.add(new Source(key, key + ".path", properties.dbs().get(i), true));
				}
			}
			else if (!properties.replicas().isEmpty()) {
				sources.add(new Source("litestream", DATASOURCE_URL, datasourceDb(properties.replicas()), true));
			}
			global = pair(properties.accessKeyId(), properties.secretAccessKey(), "litestream.access-key-id",
					"litestream.secret-access-key", true);
		}
		if (global == null) {
			global = pair(environment.getProperty("LITESTREAM_ACCESS_KEY_ID"),
					environment.getProperty("LITESTREAM_SECRET_ACCESS_KEY"), "LITESTREAM_ACCESS_KEY_ID",
					"LITESTREAM_SECRET_ACCESS_KEY", false);
		}
		List<DbSettings> dbs = new ArrayList<>();
		Map<Path, String> seen = new HashMap<>();
		for (Source db : sources) {
			DbSettings settings = db(db, global);
			String other = seen.putIfAbsent(settings.path(), db.pathKey());
			if (other != null) {
				throw new InvalidLitestreamConfigException(db.pathKey(),
						"database " + settings.path() + " is already configured by " + other);
			}
			dbs.add(settings);
		}
		checkDurationPositive("litestream.health.max-lag", properties.health().maxLag(), true);
		checkDurationPositive("litestream.health.max-failure-duration", properties.health().maxFailureDuration(), true);
		checkDurationPositive("litestream.lease.ttl", properties.lease().ttl(), false);
		return new ReplicationSettings(source, dbs, global);
	}

	/**
	 * A replica given only by its URL (a restore's {@code source}), with the global credentials.
	 * @throws InvalidLitestreamConfigException naming {@code key} when the URL is not usable
	 */
	ReplicaSettings replicaFromUrl(String key, String url, @Nullable Credentials global) {
		Replica replica = new Replica("source", null, url, null, null, null, null, null, false, Duration.ofSeconds(1),
				null, Duration.ZERO, Duration.ZERO, null, null, null);
		return replica(key, replica, global, false);
	}

	/** The SQLite database of {@code spring.datasource.url}, carrying {@code litestream.replicas}. */
	private Db datasourceDb(List<Replica> replicas) {
		String url = environment.getProperty(DATASOURCE_URL);
		Path path = sqlitePath(url);
		if (path == null) {
			throw new InvalidLitestreamConfigException("litestream.replicas",
					"replicas need a database: set litestream.dbs[0].path, or a SQLite file database in "
							+ DATASOURCE_URL + " (jdbc:sqlite:/path/app.db)"
							+ ((url != null) ? "; it is not one: " + redactUrl(url) : ""));
		}
		return new Db(path.toString(), Duration.ofSeconds(1), Duration.ofMinutes(1), 1000, 10000, replicas);
	}

	/** The file of a {@code jdbc:sqlite:} URL; null for anything else, in-memory databases included. */
	public static @Nullable Path sqlitePath(@Nullable String url) {
		if (url == null || !url.startsWith("jdbc:sqlite:")) {
			return null;
		}
		String rest = url.substring("jdbc:sqlite:".length());
		int query = rest.indexOf('?');
		String params = (query >= 0) ? rest.substring(query + 1) : "";
		if (query >= 0) {
			rest = rest.substring(0, query);
		}
		if (rest.startsWith("file:")) {
			rest = rest.substring("file:".length());
			if (rest.startsWith("//")) {
				rest = rest.substring(2);
			}
		}
		if (rest.isEmpty() || rest.equals(":memory:") || rest.startsWith(":resource:") || params.contains("mode=memory")) {
			return null;
		}
		try {
			return Path.of(rest).toAbsolutePath().normalize();
		}
		catch (InvalidPathException ex) {
			return null;
		}
	}

	private static String redactUrl(String url) {
		// A JDBC URL may carry a password parameter; show only what identifies the database.
		int query = url.indexOf('?');
		return (query >= 0) ? url.substring(0, query) + "?..." : url;
	}

	private DbSettings db(Source source, @Nullable Credentials global) {
		Db db = source.db();
		String key = source.key();
		if (source.fromProperties()) {
			checkPlaceholder(source.pathKey(), db.path(), false);
		}
		if (db.path() == null || db.path().isBlank()) {
			throw new InvalidLitestreamConfigException(source.pathKey(), "database path must be set");
		}
		Path path;
		try {
			path = Path.of(db.path()).toAbsolutePath().normalize();
		}
		catch (InvalidPathException ex) {
			throw new InvalidLitestreamConfigException(source.pathKey(), "invalid path: " + ex.getMessage());
		}
		if (path.getFileName() == null) {
			throw new InvalidLitestreamConfigException(source.pathKey(), "not a database file: " + path);
		}
		if (Files.isDirectory(path)) {
			throw new InvalidLitestreamConfigException(source.pathKey(), path + " is a directory, not a database file");
		}
		Path parent = path.getParent();
		try {
			Files.createDirectories(parent);
		}
		catch (IOException | SecurityException ex) {
			throw new InvalidLitestreamConfigException(source.pathKey(),
					"directory " + parent + " of the database does not exist and cannot be created: " + ex, ex);
		}
		checkDurationPositive(key + ".monitor-interval", db.monitorInterval(), false);
		checkDurationPositive(key + ".checkpoint-interval", db.checkpointInterval(), true);
		if (db.minCheckpointPageCount() <= 0) {
			throw new InvalidLitestreamConfigException(key + ".min-checkpoint-page-count",
					"must be greater than 0, was " + db.minCheckpointPageCount());
		}
		if (db.maxCheckpointPageCount() < 0
				|| (db.maxCheckpointPageCount() > 0 && db.maxCheckpointPageCount() < db.minCheckpointPageCount())) {
			throw new InvalidLitestreamConfigException(key + ".max-checkpoint-page-count",
					"must be 0 (disabled) or at least min-checkpoint-page-count (" + db.minCheckpointPageCount()
							+ "), was " + db.maxCheckpointPageCount());
		}
		List<ReplicaSettings> replicas = new ArrayList<>();
		Map<String, String> names = new HashMap<>();
		for (int j = 0; j < db.replicas().size(); j++) {
			String replicaKey = key + ".replicas[" + j + "]";
			ReplicaSettings replica = replica(replicaKey, db.replicas().get(j), global, source.fromProperties());
			String other = names.putIfAbsent(replica.name(), replicaKey);
			if (other != null) {
				throw new InvalidLitestreamConfigException(replicaKey + ".name", "duplicate replica name '"
						+ replica.name() + "' (also used by " + other + "); give each replica its own name");
			}
			replicas.add(replica);
		}
		return new DbSettings(key, path, db.monitorInterval(), db.checkpointInterval(), db.minCheckpointPageCount(),
				db.maxCheckpointPageCount(), replicas);
	}

	private ReplicaSettings replica(String key, Replica replica, @Nullable Credentials global, boolean fromProperties) {
		if (fromProperties) {
			checkPlaceholder(key + ".name", replica.name(), false);
			checkPlaceholder(key + ".type", replica.type(), false);
			checkPlaceholder(key + ".url", replica.url(), false);
			checkPlaceholder(key + ".bucket", replica.bucket(), false);
			checkPlaceholder(key + ".path", replica.path(), false);
			checkPlaceholder(key + ".endpoint", replica.endpoint(), false);
			checkPlaceholder(key + ".region", replica.region(), false);
			checkPlaceholder(key + ".access-key-id", replica.accessKeyId(), true);
			checkPlaceholder(key + ".secret-access-key", replica.secretAccessKey(), true);
			checkPlaceholder(key + ".checksum-calculation", replica.checksumCalculation(), false);
		}
		String type = blankToNull(replica.type());
		String bucket = blankToNull(replica.bucket());
		String path = blankToNull(replica.path());
		String endpointText = blankToNull(replica.endpoint());
		String region = blankToNull(replica.region());
		String url = blankToNull(replica.url());
		Boolean forcePathStyleSetting = replica.forcePathStyle();
		boolean skipVerify = replica.skipVerify();
		if (url != null) {
			ParsedUrl parsed = parseUrl(key + ".url", url);
			if (type != null && !type.equals(parsed.type())) {
				throw new InvalidLitestreamConfigException(key + ".type",
						"type '" + type + "' contradicts the url's scheme '" + parsed.type() + "'");
			}
			if (bucket != null || path != null) {
				throw new InvalidLitestreamConfigException(key + ".url",
						"cannot be combined with " + key + ((bucket != null) ? ".bucket" : ".path"));
			}
			type = parsed.type();
			bucket = parsed.bucket();
			path = parsed.path();
			if (parsed.endpoint() != null) {
				if (endpointText != null) {
					throw new InvalidLitestreamConfigException(key + ".url",
							"endpoint given both in the url and in " + key + ".endpoint");
				}
				endpointText = parsed.endpoint();
			}
			if (parsed.region() != null) {
				region = parsed.region();
			}
			if (parsed.forcePathStyle() != null) {
				forcePathStyleSetting = parsed.forcePathStyle();
			}
			if (parsed.skipVerify() != null) {
				skipVerify = parsed.skipVerify();
			}
		}
		if (type == null) {
			// Litestream v0.3's default when neither type nor url is given.
			type = "file";
		}
		if (!type.equals("s3") && !type.equals("file")) {
			throw new InvalidLitestreamConfigException(key + ".type", "unknown replica type '" + type
					+ "'; litestream4j supports s3 and file");
		}
		String name = (blankToNull(replica.name()) != null) ? replica.name().trim() : type;
		checkDurationPositive(key + ".sync-interval", replica.syncInterval(), false);
		Duration snapshotInterval = (replica.snapshotInterval() != null) ? replica.snapshotInterval() : Duration.ZERO;
		checkDurationPositive(key + ".snapshot-interval", snapshotInterval, true);
		checkDurationPositive(key + ".retention", replica.retention(), true);
		checkDurationPositive(key + ".retention-check-interval", replica.retentionCheckInterval(), true);
		if (type.equals("file")) {
			if (path == null) {
				throw new InvalidLitestreamConfigException(key + ".path", "a file replica needs the directory in path");
			}
			Path dir;
			try {
				dir = Path.of(path).toAbsolutePath().normalize();
			}
			catch (InvalidPathException ex) {
				throw new InvalidLitestreamConfigException(key + ".path", "invalid directory: " + ex.getMessage());
			}
			for (String s3Only : new String[] { bucket, endpointText, region, replica.accessKeyId(),
					replica.secretAccessKey(), replica.checksumCalculation() }) {
				if (blankToNull(s3Only) != null) {
					throw new InvalidLitestreamConfigException(key + ".type",
							"a file replica takes only path (and intervals); bucket, endpoint, region, credentials "
									+ "and checksum-calculation are s3 settings");
				}
			}
			return new ReplicaSettings(key, name, type, null, dir.toString(), null, null, false, false,
					replica.syncInterval(), snapshotInterval, replica.retention(), replica.retentionCheckInterval(), null,
					null, false);
		}
		if (bucket == null) {
			throw new InvalidLitestreamConfigException(key + ".bucket", "an s3 replica needs a bucket");
		}
		URI endpoint = (endpointText != null) ? endpoint(key + ".endpoint", endpointText) : null;
		// A custom endpoint (MinIO, R2, ...) defaults to path-style and us-east-1, as Litestream does.
		boolean forcePathStyle = (forcePathStyleSetting != null) ? forcePathStyleSetting : endpoint != null;
		if (region == null && endpoint != null) {
			region = "us-east-1";
		}
		String checksum = blankToNull(replica.checksumCalculation());
		if (checksum != null && !checksum.equals("when-supported") && !checksum.equals("when-required")) {
			throw new InvalidLitestreamConfigException(key + ".checksum-calculation",
					"must be when-supported or when-required, was '" + checksum + "'");
		}
		Credentials own = pair(replica.accessKeyId(), replica.secretAccessKey(), key + ".access-key-id",
				key + ".secret-access-key", false);
		Credentials credentials = (own != null) ? own : global;
		boolean overrides = endpoint != null || region != null || credentials != null || forcePathStyleSetting != null
				|| skipVerify || checksum != null;
		return new ReplicaSettings(key, name, type, bucket, (path != null) ? stripSlashes(path) : "", endpoint, region,
				forcePathStyle, skipVerify, replica.syncInterval(), snapshotInterval, replica.retention(),
				replica.retentionCheckInterval(), credentials, checksum, overrides);
	}

	private record ParsedUrl(String type, @Nullable String bucket, String path, @Nullable String endpoint,
			@Nullable String region, @Nullable Boolean forcePathStyle, @Nullable Boolean skipVerify) {
	}

	/** Litestream's replica URLs: {@code s3://bucket/path} (host may carry an endpoint) or {@code file:///dir}. */
	private static ParsedUrl parseUrl(String key, String url) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			throw new InvalidLitestreamConfigException(key, "not a replica URL: " + ex.getMessage());
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme() : "";
		switch (scheme) {
			case "file" -> {
				String path = (uri.getPath() != null) ? uri.getPath() : "";
				if (path.isEmpty()) {
					throw new InvalidLitestreamConfigException(key, "a file URL needs a directory: file:///dir");
				}
				if (uri.getQuery() != null) {
					throw new InvalidLitestreamConfigException(key, "a file URL takes no parameters");
				}
				return new ParsedUrl("file", null, path, null, null, null, null);
			}
			case "s3" -> {
				String bucket = uri.getHost();
				if (bucket == null || bucket.isEmpty()) {
					throw new InvalidLitestreamConfigException(key, "an s3 URL needs a bucket: s3://bucket/path");
				}
				Map<String, String> params = new HashMap<>();
				String query = uri.getQuery();
				if (query != null) {
					for (String param : query.split("&")) {
						String[] kv = param.split("=", 2);
						if (kv.length != 2 || !List.of("endpoint", "region", "force-path-style", "skip-verify")
								.contains(kv[0])) {
							throw new InvalidLitestreamConfigException(key, "unsupported URL parameter '" + kv[0]
									+ "'; supported: endpoint, region, force-path-style, skip-verify");
						}
						params.put(kv[0], kv[1]);
					}
				}
				String path = (uri.getPath() != null) ? uri.getPath() : "";
				return new ParsedUrl("s3", bucket, stripSlashes(path), params.get("endpoint"), params.get("region"),
						urlFlag(key, params.get("force-path-style")), urlFlag(key, params.get("skip-verify")));
			}
			case "gs", "gcs", "abs", "sftp", "nats", "webdav" -> throw new InvalidLitestreamConfigException(key,
					"replica type '" + scheme + "' is not supported by litestream4j; it supports s3 and file");
			default -> throw new InvalidLitestreamConfigException(key,
					"unknown URL scheme '" + scheme + "'; use s3://bucket/path or file:///dir");
		}
	}

	private static @Nullable Boolean urlFlag(String key, @Nullable String value) {
		if (value == null) {
			return null;
		}
		if (!value.equals("true") && !value.equals("false")) {
			throw new InvalidLitestreamConfigException(key, "URL flags take true or false, found '" + value + "'");
		}
		return Boolean.valueOf(value);
	}

	private static URI endpoint(String key, String text) {
		String withScheme = text.contains("://") ? text : "https://" + text;
		try {
			URI uri = new URI(withScheme);
			if (uri.getHost() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
				throw new InvalidLitestreamConfigException(key, "not an http(s) endpoint: " + text);
			}
			if (uri.getUserInfo() != null) {
				throw new InvalidLitestreamConfigException(key, "credentials do not belong in the endpoint");
			}
			return uri;
		}
		catch (URISyntaxException ex) {
			throw new InvalidLitestreamConfigException(key, "not a valid endpoint URL: " + ex.getMessage());
		}
	}

	private static String stripSlashes(String path) {
		String result = path;
		while (result.startsWith("/")) {
			result = result.substring(1);
		}
		while (result.endsWith("/")) {
			result = result.substring(0, result.length() - 1);
		}
		return result;
	}

	/** Both or neither; a half-given pair is a mistake worth failing on, and the message never shows values. */
	private @Nullable Credentials pair(@Nullable String id, @Nullable String secret, String idKey, String secretKey,
			boolean fromProperties) {
		if (fromProperties) {
			checkPlaceholder(idKey, id, true);
			checkPlaceholder(secretKey, secret, true);
		}
		id = blankToNull(id);
		secret = blankToNull(secret);
		if (id == null && secret == null) {
			return null;
		}
		if (id == null) {
			throw new InvalidLitestreamConfigException(idKey, "must be set together with " + secretKey);
		}
		if (secret == null) {
			throw new InvalidLitestreamConfigException(secretKey, "must be set together with " + idKey);
		}
		return new Credentials(id, secret, idKey.replace("access-key-id", "*").replace("ACCESS_KEY_ID", "*"));
	}

	/**
	 * Spring's binder leaves {@code ${X}} as literal text when X is missing; such a value must never reach a
	 * bucket path. For secrets only a value that is one placeholder is quoted, so no secret text is shown.
	 */
	private static void checkPlaceholder(String key, @Nullable String value, boolean secret) {
		if (value == null) {
			return;
		}
		Matcher matcher = PLACEHOLDER.matcher(value);
		if (!matcher.find()) {
			return;
		}
		if (secret && !matcher.matches()) {
			throw new InvalidLitestreamConfigException(key, "contains an unresolved placeholder");
		}
		String variable = matcher.group(1);
		throw new InvalidLitestreamConfigException(key,
				"unresolved placeholder '" + matcher.group() + "': variable " + variable + " is not set");
	}

	private static void checkDurationPositive(String key, @Nullable Duration value, boolean zeroAllowed) {
		if (value == null) {
			throw new InvalidLitestreamConfigException(key, "must be set");
		}
		if (value.isNegative() || (!zeroAllowed && value.isZero())) {
			throw new InvalidLitestreamConfigException(key, "must be " + (zeroAllowed ? "zero or positive" : "positive")
					+ ", was " + GoDurations.format(value));
		}
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value.trim();
	}

	private record Source(String key, String pathKey, Db db, boolean fromProperties) {
	}

}
