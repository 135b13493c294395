package io.litestream4j.autoconfigure;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.s3.S3ReplicaConfig;

import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * s3 replicas. A replica that sets nothing of its own (no endpoint, region, credentials, path style, TLS or
 * checksum setting) shares the application's {@code S3Client} bean, so {@code spring.cloud.aws.*} applies to
 * it; any other gets a dedicated client, and the shared builder is never touched.
 */
class AwsS3ReplicaClientFactory implements S3ReplicaClientFactory {

	private final Supplier<@Nullable S3Client> applicationClient;

	/** The region of each client built, for the start-up line. */
	private final Map<ReplicaClient, String> regions = Collections.synchronizedMap(new IdentityHashMap<>());

	/**
	 * @param applicationClient the application's {@code S3Client}, looked up only when a replica can share it
	 */
	AwsS3ReplicaClientFactory(Supplier<@Nullable S3Client> applicationClient) {
		this.applicationClient = applicationClient;
	}

	@Override
	public ReplicaClient create(ReplicaSettings replica) {
		S3Client shared = replica.overridesClient() ? null : this.applicationClient.get();
		if (shared != null) {
			S3ReplicaClient client = new S3ReplicaClient(shared, replica.bucket(), replica.path(),
					shared.serviceClientConfiguration().endpointOverride().map(Object::toString).orElse(null));
			this.regions.put(client, String.valueOf(shared.serviceClientConfiguration().region()));
			return client;
		}
		S3ReplicaConfig config;
		try {
			config = new S3ReplicaConfig(replica.bucket(), replica.path(), replica.region(),
					(replica.endpoint() != null) ? replica.endpoint().toString() : null, replica.forcePathStyle(),
					replica.skipVerify(), (replica.credentials() != null) ? replica.credentials().accessKeyId() : null,
					(replica.credentials() != null) ? replica.credentials().secretAccessKey() : null,
					replica.checksumCalculation());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidLitestreamConfigException(replica.key(), ex.getMessage(), ex);
		}
		S3ReplicaClient client = S3ReplicaClient.create(config);
		this.regions.put(client, config.effectiveRegion());
		return client;
	}

	@Override
	public String effectiveRegion(ReplicaClient client) {
		return this.regions.get(client);
	}

	@Override
	public @Nullable String effectiveEndpoint(ReplicaClient client) {
		if (client instanceof S3ReplicaClient s3 && !"aws".equals(s3.endpoint())) {
			return s3.endpoint();
		}
		return null;
	}

}
