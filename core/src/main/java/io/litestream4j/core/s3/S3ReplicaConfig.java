package io.litestream4j.core.s3;

import java.net.URI;
import java.util.Locale;

/**
 * Settings of one S3 (or S3-compatible) replica, as Litestream names them. Only {@code bucket} is
 * required; the rest follows Litestream v0.3's defaults, except that a custom endpoint also defaults
 * the checksum calculation to {@code when-required} (AWS SDK v2 sends CRC checksums by default that
 * several S3-compatible stores reject).
 *
 * @param bucket the bucket
 * @param path the key prefix; a leading slash is dropped (it would break listing, as in Litestream)
 * @param region the signing region; {@code us-east-1} when not given
 * @param endpoint an S3-compatible endpoint; without a scheme it means {@code https://}
 * @param forcePathStyle path-style addressing; default on when an endpoint is set
 * @param skipVerify trust any TLS certificate (self-signed MinIO); never for production
 * @param accessKeyId static credentials, most specific source
 * @param secretAccessKey static credentials, most specific source
 * @param checksumCalculation {@code when-required} or {@code when-supported}
 */
public record S3ReplicaConfig(String bucket, String path, String region, String endpoint, Boolean forcePathStyle,
		boolean skipVerify, String accessKeyId, String secretAccessKey, String checksumCalculation) {

	public static final String DEFAULT_REGION = "us-east-1";

	public static final String WHEN_REQUIRED = "when-required";

	public static final String WHEN_SUPPORTED = "when-supported";

	public S3ReplicaConfig {
		if (bucket == null || bucket.isBlank()) {
			throw new IllegalArgumentException("s3 replica: bucket must not be empty");
		}
		bucket = bucket.trim();
		path = normalizePath(path);
		region = blankToNull(region);
		endpoint = blankToNull(endpoint);
		accessKeyId = blankToNull(accessKeyId);
		secretAccessKey = blankToNull(secretAccessKey);
		checksumCalculation = blankToNull(checksumCalculation);
		if (checksumCalculation != null) {
			checksumCalculation = checksumCalculation.toLowerCase(Locale.ROOT).replace('_', '-');
			if (!checksumCalculation.equals(WHEN_REQUIRED) && !checksumCalculation.equals(WHEN_SUPPORTED)) {
				throw new IllegalArgumentException("s3 replica bucket=" + bucket + ": checksum-calculation must be "
						+ WHEN_REQUIRED + " or " + WHEN_SUPPORTED + ", not '" + checksumCalculation + "'");
			}
		}
		if ((accessKeyId == null) != (secretAccessKey == null)) {
			// Half a key pair would silently fall through to another credential source; say so instead.
			throw new IllegalArgumentException("s3 replica bucket=" + bucket
					+ ": access-key-id and secret-access-key must be given together");
		}
		if (endpoint != null) {
			endpointUri(endpoint);
		}
	}

	/** A config with just bucket and path; everything else at its default. */
	public static S3ReplicaConfig of(String bucket, String path) {
		return new S3ReplicaConfig(bucket, path, null, null, null, false, null, null, null);
	}

	public S3ReplicaConfig withEndpoint(String newEndpoint) {
		return new S3ReplicaConfig(bucket, path, region, newEndpoint, forcePathStyle, skipVerify, accessKeyId,
				secretAccessKey, checksumCalculation);
	}

	public S3ReplicaConfig withRegion(String newRegion) {
		return new S3ReplicaConfig(bucket, path, newRegion, endpoint, forcePathStyle, skipVerify, accessKeyId,
				secretAccessKey, checksumCalculation);
	}

	public S3ReplicaConfig withCredentials(String newAccessKeyId, String newSecretAccessKey) {
		return new S3ReplicaConfig(bucket, path, region, endpoint, forcePathStyle, skipVerify, newAccessKeyId,
				newSecretAccessKey, checksumCalculation);
	}

	public S3ReplicaConfig withForcePathStyle(Boolean newForcePathStyle) {
		return new S3ReplicaConfig(bucket, path, region, endpoint, newForcePathStyle, skipVerify, accessKeyId,
				secretAccessKey, checksumCalculation);
	}

	public S3ReplicaConfig withSkipVerify(boolean newSkipVerify) {
		return new S3ReplicaConfig(bucket, path, region, endpoint, forcePathStyle, newSkipVerify, accessKeyId,
				secretAccessKey, checksumCalculation);
	}

	public S3ReplicaConfig withChecksumCalculation(String newChecksumCalculation) {
		return new S3ReplicaConfig(bucket, path, region, endpoint, forcePathStyle, skipVerify, accessKeyId,
				secretAccessKey, newChecksumCalculation);
	}

	/** The region requests are signed for. */
	public String effectiveRegion() {
		return (region != null) ? region : DEFAULT_REGION;
	}

	/** The endpoint as a URI with a scheme, or null for AWS itself. */
	public URI endpointUri() {
		return (endpoint != null) ? endpointUri(endpoint) : null;
	}

	public boolean effectiveForcePathStyle() {
		return (forcePathStyle != null) ? forcePathStyle : endpoint != null;
	}

	public String effectiveChecksumCalculation() {
		if (checksumCalculation != null) {
			return checksumCalculation;
		}
		return (endpoint != null) ? WHEN_REQUIRED : WHEN_SUPPORTED;
	}

	public boolean hasStaticCredentials() {
		return accessKeyId != null;
	}

	/** Where this replica lives, for log lines and errors; never the secret. */
	public String describe() {
		URI uri = endpointUri();
		return "s3 replica bucket=\"" + bucket + "\" path=\"" + path + "\" region=\"" + effectiveRegion()
				+ "\" endpoint=\"" + ((uri != null) ? uri : "aws") + "\"";
	}

	@Override
	public String toString() {
		// The record's generated toString would print the secret.
		return "S3ReplicaConfig[bucket=" + bucket + ", path=" + path + ", region=" + region + ", endpoint=" + endpoint
				+ ", forcePathStyle=" + forcePathStyle + ", skipVerify=" + skipVerify + ", accessKeyId="
				+ ((accessKeyId != null) ? "(set)" : null) + ", secretAccessKey="
				+ ((secretAccessKey != null) ? "(set)" : null) + ", checksumCalculation=" + checksumCalculation + "]";
	}

	static URI endpointUri(String endpoint) {
		String value = endpoint.trim();
		// Litestream users write "s3.example.com"; a bare host means TLS.
		if (!value.contains("://")) {
			value = "https://" + value;
		}
		URI uri;
		try {
			uri = URI.create(value);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("s3 replica: invalid endpoint '" + endpoint + "': " + ex.getMessage(), ex);
		}
		if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
			throw new IllegalArgumentException("s3 replica: invalid endpoint '" + endpoint + "' (expected http(s)://host[:port])");
		}
		return uri;
	}

	/** A path as a key prefix: no leading or trailing slash, empty for the bucket root. */
	public static String normalizePath(String path) {
		if (path == null) {
			return "";
		}
		String trimmed = path.trim();
		while (trimmed.startsWith("/")) {
			trimmed = trimmed.substring(1);
		}
		while (trimmed.endsWith("/")) {
			trimmed = trimmed.substring(0, trimmed.length() - 1);
		}
		return trimmed;
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value.trim();
	}

}
