package io.litestream4j.core.s3;

import java.time.Duration;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * Builds a dedicated {@link S3Client} for one replica from its {@link S3ReplicaConfig}. It never
 * touches a shared builder, always sets the region (so the SDK never probes the instance-metadata
 * service for one), and resolves credentials most specific first: the config's keys, then
 * {@code LITESTREAM_ACCESS_KEY_ID}/{@code LITESTREAM_SECRET_ACCESS_KEY}, then the AWS default chain.
 */
public final class S3ClientFactory {

	public static final String ENV_ACCESS_KEY_ID = "LITESTREAM_ACCESS_KEY_ID";

	public static final String ENV_SECRET_ACCESS_KEY = "LITESTREAM_SECRET_ACCESS_KEY";

	private static final Logger logger = LoggerFactory.getLogger(S3ClientFactory.class);

	private S3ClientFactory() {
	}

	public static S3Client create(S3ReplicaConfig config) {
		return create(config, System.getenv());
	}

	/** As {@link #create(S3ReplicaConfig)}, reading the {@code LITESTREAM_*} keys from {@code env}. */
	public static S3Client create(S3ReplicaConfig config, Map<String, String> env) {
		S3ClientBuilder builder = S3Client.builder()
			.region(Region.of(config.effectiveRegion()))
			.credentialsProvider(credentialsProvider(config, env))
			.httpClient(httpClient(config))
			.forcePathStyle(config.effectiveForcePathStyle())
			// Standard mode retries throttling, 5xx and I/O errors with jittered exponential backoff.
			.overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD)
				.apiCallAttemptTimeout(Duration.ofMinutes(2)));
		if (config.endpointUri() != null) {
			builder.endpointOverride(config.endpointUri());
		}
		if (S3ReplicaConfig.WHEN_REQUIRED.equals(config.effectiveChecksumCalculation())) {
			builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
				.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
		}
		else {
			builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
				.responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
		}
		return builder.build();
	}

	/** Credentials most specific first; see the class comment. */
	public static AwsCredentialsProvider credentialsProvider(S3ReplicaConfig config, Map<String, String> env) {
		if (config.hasStaticCredentials()) {
			return StaticCredentialsProvider
				.create(AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
		}
		String envKey = blankToNull(env.get(ENV_ACCESS_KEY_ID));
		String envSecret = blankToNull(env.get(ENV_SECRET_ACCESS_KEY));
		if (envKey != null && envSecret != null) {
			return StaticCredentialsProvider.create(AwsBasicCredentials.create(envKey, envSecret));
		}
		// Resolved lazily at the first request, so building a client makes no network call.
		return DefaultCredentialsProvider.builder().build();
	}

	private static SdkHttpClient httpClient(S3ReplicaConfig config) {
		ApacheHttpClient.Builder http = ApacheHttpClient.builder()
			.connectionTimeout(Duration.ofSeconds(10))
			.socketTimeout(Duration.ofSeconds(60))
			.maxConnections(16);
		if (!config.skipVerify()) {
			return http.build();
		}
		logger.warn("skip-verify is on for {}: TLS certificates and host names are NOT verified", config.describe());
		return http.buildWithDefaults(
				AttributeMap.builder().put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE).build());
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

}
