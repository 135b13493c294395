package io.litestream4j.autoconfigure;

import io.litestream4j.core.ReplicaClient;

import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * Builds the storage client of one replica. A bean of this type replaces the built-in one (file replicas, and
 * s3 replicas through the AWS SDK).
 */
@FunctionalInterface
public interface ReplicaClientFactory {

	ReplicaClient create(ReplicaSettings replica);

	/**
	 * The region an s3 replica really uses when its settings leave it to the client, for the start-up line.
	 * @param client a client built by this factory
	 * @return the region, or null when unknown or not applicable
	 */
	default String effectiveRegion(ReplicaClient client) {
		return null;
	}

	/**
	 * The endpoint an s3 replica really uses when its settings leave it to the client (the application's
	 * {@code S3Client}), for the start-up line.
	 * @param client a client built by this factory
	 * @return the endpoint, or null for AWS itself, when unknown or not applicable
	 */
	default String effectiveEndpoint(ReplicaClient client) {
		return null;
	}

}
