package io.litestream4j.autoconfigure;

import org.jspecify.annotations.Nullable;

import io.litestream4j.core.ReplicaClient;

import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * Builds clients of s3 replicas; a bean of this type exists when the AWS SDK's S3 client is on the classpath.
 * Not a {@link ReplicaClientFactory} itself, so that replacing one does not replace the other.
 */
public interface S3ReplicaClientFactory {

	ReplicaClient create(ReplicaSettings replica);

	/** The region a client built by this factory uses; null when unknown. */
	@Nullable String effectiveRegion(ReplicaClient client);

	/** The endpoint a client built by this factory uses; null for AWS itself. */
	@Nullable String effectiveEndpoint(ReplicaClient client);

}
