package io.litestream4j.core.s3;

import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The same client checks against a real MinIO server; skipped where Docker is absent (such as the
 * machine these tests are developed on), run wherever a Docker engine is reachable.
 */
@Testcontainers(disabledWithoutDocker = true)
class S3ReplicaClientMinioTest extends S3ReplicaClientContractTests {

	/** A pinned MinIO release, so a new MinIO never changes what these tests check. */
	static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";

	private static final String BUCKET = "litestream4j-minio";

	@Container
	static final MinIOContainer minio = new MinIOContainer(MINIO_IMAGE);

	@BeforeAll
	static void createBucket() {
		try (S3Client s3 = S3ClientFactory.create(minioConfig(""))) {
			if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
				s3.createBucket(b -> b.bucket(BUCKET));
			}
		}
	}

	@Override
	protected S3ReplicaConfig config(String path) {
		return minioConfig(path);
	}

	private static S3ReplicaConfig minioConfig(String path) {
		// MinIOContainer maps to a loopback port; the SDK talks to it path-style over plain HTTP.
		return new S3ReplicaConfig(BUCKET, path, "us-east-1", minio.getS3URL(), true, false, minio.getUserName(),
				minio.getPassword(), null);
	}

}
