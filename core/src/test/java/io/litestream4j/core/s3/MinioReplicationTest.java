package io.litestream4j.core.s3;

import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import software.amazon.awssdk.services.s3.S3Client;

/** The replicate/restore matrix against MinIO; skipped where Docker is absent. */
@Testcontainers(disabledWithoutDocker = true)
class MinioReplicationTest extends S3ReplicationContractTests {

	private static final String BUCKET = "litestream4j-matrix";

	@Container
	static final MinIOContainer minio = new MinIOContainer(S3ReplicaClientMinioTest.MINIO_IMAGE);

	@BeforeAll
	static void createBucket() {
		try (S3Client s3 = S3ClientFactory.create(minioConfig(""))) {
			s3.createBucket(b -> b.bucket(BUCKET));
		}
	}

	@Override
	protected S3ReplicaConfig config(String path) {
		return minioConfig(path);
	}

	private static S3ReplicaConfig minioConfig(String path) {
		return new S3ReplicaConfig(BUCKET, path, "us-east-1", minio.getS3URL(), true, false, minio.getUserName(),
				minio.getPassword(), null);
	}

}
