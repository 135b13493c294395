package io.litestream4j.autoconfigure;

import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.file.FileReplicaClient;

import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * File replicas directly; s3 replicas through a delegate that exists only when the AWS SDK is on the classpath.
 */
class DefaultReplicaClientFactory implements ReplicaClientFactory {

	private final @Nullable S3ReplicaClientFactory s3;

	DefaultReplicaClientFactory(@Nullable S3ReplicaClientFactory s3) {
		this.s3 = s3;
	}

	@Override
	public ReplicaClient create(ReplicaSettings replica) {
		if (!replica.isS3()) {
			return new FileReplicaClient(Path.of(replica.path()));
		}
		if (this.s3 == null) {
			throw new InvalidLitestreamConfigException(replica.key() + ".type",
					"s3 replicas need the AWS SDK S3 client (software.amazon.awssdk:s3) on the classpath");
		}
		return this.s3.create(replica);
	}

	@Override
	public String effectiveEndpoint(ReplicaClient client) {
		return (this.s3 != null && "s3".equals(client.type())) ? this.s3.effectiveEndpoint(client) : null;
	}

	@Override
	public String effectiveRegion(ReplicaClient client) {
		return (this.s3 != null && "s3".equals(client.type())) ? this.s3.effectiveRegion(client) : null;
	}

}
