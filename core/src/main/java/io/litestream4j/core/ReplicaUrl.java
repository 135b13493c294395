package io.litestream4j.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.litestream4j.core.s3.S3ReplicaConfig;

/**
 * A replica given as a URL, in Litestream v0.3's forms:
 * {@code s3://BUCKET/PATH?endpoint=...&region=...&force-path-style=true&skip-verify=false} and
 * {@code file:///DIR}. Any other query key is refused with its name, never ignored. As in Litestream,
 * {@code s3://BUCKET.localhost:9000/PATH} means bucket {@code BUCKET} at {@code http://localhost:9000}.
 *
 * @param type {@code s3} or {@code file}
 * @param bucket the bucket (s3), else null
 * @param path the key prefix without leading slash (s3), or the absolute directory (file)
 * @param endpoint the endpoint query value (s3), or null
 * @param region the region query value (s3), or null
 * @param forcePathStyle the force-path-style query value (s3), or null when absent
 * @param skipVerify the skip-verify query value (s3)
 */
public record ReplicaUrl(String type, String bucket, String path, String endpoint, String region,
		Boolean forcePathStyle, boolean skipVerify) {

	private static final String ENDPOINT = "endpoint";

	private static final String REGION = "region";

	private static final String FORCE_PATH_STYLE = "force-path-style";

	private static final String SKIP_VERIFY = "skip-verify";

	public static ReplicaUrl parse(String url) {
		if (url == null || url.isBlank()) {
			throw new IllegalArgumentException("replica URL must not be empty");
		}
		URI uri;
		try {
			uri = new URI(url.trim());
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException("invalid replica URL '" + url + "': " + ex.getMessage(), ex);
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : null;
		if ("file".equals(scheme)) {
			return parseFile(url, uri);
		}
		if ("s3".equals(scheme)) {
			return parseS3(url, uri);
		}
		throw new IllegalArgumentException(
				"unsupported replica URL scheme in '" + url + "': expected s3://BUCKET/PATH or file:///DIR");
	}

	private static ReplicaUrl parseFile(String url, URI uri) {
		if (uri.getRawQuery() != null) {
			String key = query(url, uri.getRawQuery()).keySet().iterator().next();
			throw new IllegalArgumentException("unsupported query parameter '" + key + "' in replica URL '" + url
					+ "': file URLs take none");
		}
		if (uri.getAuthority() != null && !uri.getAuthority().equals("localhost")) {
			throw new IllegalArgumentException(
					"invalid file replica URL '" + url + "': expected file:///DIR (an absolute path)");
		}
		String dir = uri.getPath();
		if (dir == null || dir.isEmpty() || !dir.startsWith("/")) {
			throw new IllegalArgumentException(
					"invalid file replica URL '" + url + "': expected file:///DIR (an absolute path)");
		}
		return new ReplicaUrl("file", null, Path.of(dir).normalize().toString(), null, null, null, false);
	}

	private static ReplicaUrl parseS3(String url, URI uri) {
		String host = uri.getHost();
		String authority = uri.getRawAuthority();
		if (authority == null || authority.isEmpty()) {
			throw new IllegalArgumentException("invalid s3 replica URL '" + url + "': no bucket (s3://BUCKET/PATH)");
		}
		String bucket = (host != null) ? host : authority;
		String endpoint = null;
		Boolean forcePathStyle = null;
		// Litestream's local form: the first label is the bucket, the rest is a plain-HTTP endpoint.
		if (host != null && (host.endsWith(".localhost") || (uri.getPort() != -1 && host.indexOf('.') > 0))) {
			int dot = host.indexOf('.');
			bucket = host.substring(0, dot);
			String endpointHost = host.substring(dot + 1);
			endpoint = (endpointHost.equals("localhost") ? "http://" : "https://") + endpointHost
					+ ((uri.getPort() != -1) ? ":" + uri.getPort() : "");
			forcePathStyle = true;
		}
		else if (uri.getPort() != -1) {
			throw new IllegalArgumentException("invalid s3 replica URL '" + url + "': give the endpoint as ?endpoint=");
		}
		String region = null;
		boolean skipVerify = false;
		for (Map.Entry<String, String> entry : query(url, uri.getRawQuery()).entrySet()) {
			String value = entry.getValue();
			switch (entry.getKey()) {
				case ENDPOINT -> endpoint = value;
				case REGION -> region = value;
				case FORCE_PATH_STYLE -> forcePathStyle = bool(url, FORCE_PATH_STYLE, value);
				case SKIP_VERIFY -> skipVerify = bool(url, SKIP_VERIFY, value);
				default -> throw new IllegalArgumentException("unsupported query parameter '" + entry.getKey()
						+ "' in replica URL '" + url + "': expected endpoint, region, force-path-style or skip-verify");
			}
		}
		String path = S3ReplicaConfig.normalizePath(uri.getPath());
		return new ReplicaUrl("s3", bucket, path, blankToNull(endpoint), blankToNull(region), forcePathStyle,
				skipVerify);
	}

	/** The S3 settings of an {@code s3://} URL, with the given credentials (may be null). */
	public S3ReplicaConfig toS3Config(String accessKeyId, String secretAccessKey) {
		if (!isS3()) {
			throw new IllegalStateException("not an s3 replica URL: " + this);
		}
		return new S3ReplicaConfig(bucket, path, region, endpoint, forcePathStyle, skipVerify, accessKeyId,
				secretAccessKey, null);
	}

	public boolean isS3() {
		return "s3".equals(type);
	}

	public boolean isFile() {
		return "file".equals(type);
	}

	/** The directory of a {@code file://} URL. */
	public Path directory() {
		if (!isFile()) {
			throw new IllegalStateException("not a file replica URL: " + this);
		}
		return Path.of(path);
	}

	private static Map<String, String> query(String url, String rawQuery) {
		Map<String, String> values = new LinkedHashMap<>();
		if (rawQuery == null || rawQuery.isEmpty()) {
			return values;
		}
		for (String pair : rawQuery.split("&")) {
			if (pair.isEmpty()) {
				continue;
			}
			int eq = pair.indexOf('=');
			String key = decode((eq >= 0) ? pair.substring(0, eq) : pair);
			String value = decode((eq >= 0) ? pair.substring(eq + 1) : "");
			if (values.put(key, value) != null) {
				throw new IllegalArgumentException("query parameter '" + key + "' given twice in replica URL '" + url + "'");
			}
		}
		return values;
	}

	private static boolean bool(String url, String key, String value) {
		if (value.equalsIgnoreCase("true") || value.isEmpty()) {
			// Go's flag style: "?skip-verify" alone means true.
			return true;
		}
		if (value.equalsIgnoreCase("false")) {
			return false;
		}
		throw new IllegalArgumentException(
				"query parameter '" + key + "' in replica URL '" + url + "' must be true or false, not '" + value + "'");
	}

	private static String decode(String value) {
		return URLDecoder.decode(value, StandardCharsets.UTF_8);
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

}
