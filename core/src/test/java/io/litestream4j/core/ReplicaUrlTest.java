package io.litestream4j.core;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.litestream4j.core.s3.S3ReplicaConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ReplicaUrlTest {

	@Test
	void parsesS3UrlWithAllQueryKeys() {
		ReplicaUrl url = ReplicaUrl.parse(
				"s3://litestream/quadtask-dev/db?endpoint=s3.example.com&region=eu-west-1&force-path-style=false&skip-verify=true");

		assertThat(url.isS3()).isTrue();
		assertThat(url.bucket()).isEqualTo("litestream");
		assertThat(url.path()).isEqualTo("quadtask-dev/db");
		assertThat(url.endpoint()).isEqualTo("s3.example.com");
		assertThat(url.region()).isEqualTo("eu-west-1");
		assertThat(url.forcePathStyle()).isFalse();
		assertThat(url.skipVerify()).isTrue();

		S3ReplicaConfig config = url.toS3Config("key", "secret");
		assertThat(config.endpointUri()).hasToString("https://s3.example.com");
		assertThat(config.effectiveForcePathStyle()).isFalse();
		assertThat(config.accessKeyId()).isEqualTo("key");
	}

	@Test
	void s3UrlDefaultsFollowLitestream() {
		ReplicaUrl url = ReplicaUrl.parse("s3://bucket/path");

		assertThat(url.endpoint()).isNull();
		assertThat(url.region()).isNull();
		assertThat(url.forcePathStyle()).isNull();
		assertThat(url.skipVerify()).isFalse();
		S3ReplicaConfig config = url.toS3Config(null, null);
		assertThat(config.effectiveRegion()).isEqualTo("us-east-1");
		assertThat(config.effectiveForcePathStyle()).isFalse();
		assertThat(config.effectiveChecksumCalculation()).isEqualTo(S3ReplicaConfig.WHEN_SUPPORTED);
	}

	@Test
	void endpointTurnsOnPathStyleAndWhenRequiredChecksums() {
		S3ReplicaConfig config = ReplicaUrl.parse("s3://bucket/p?endpoint=http://127.0.0.1:9000").toS3Config(null, null);

		assertThat(config.endpointUri()).hasToString("http://127.0.0.1:9000");
		assertThat(config.effectiveForcePathStyle()).isTrue();
		assertThat(config.effectiveChecksumCalculation()).isEqualTo(S3ReplicaConfig.WHEN_REQUIRED);
	}

	@Test
	void stripsLeadingAndTrailingSlashesOfThePath() {
		assertThat(ReplicaUrl.parse("s3://bucket//a/b/").path()).isEqualTo("a/b");
		assertThat(ReplicaUrl.parse("s3://bucket").path()).isEmpty();
		assertThat(ReplicaUrl.parse("s3://bucket/").path()).isEmpty();
	}

	@Test
	void decodesPercentEncodedQueryValues() {
		ReplicaUrl url = ReplicaUrl.parse("s3://bucket/p?endpoint=http%3A%2F%2Flocalhost%3A9000");

		assertThat(url.endpoint()).isEqualTo("http://localhost:9000");
	}

	@Test
	void parsesLitestreamsLocalhostForm() {
		ReplicaUrl url = ReplicaUrl.parse("s3://mybkt.localhost:9000/backups");

		assertThat(url.bucket()).isEqualTo("mybkt");
		assertThat(url.endpoint()).isEqualTo("http://localhost:9000");
		assertThat(url.forcePathStyle()).isTrue();
		assertThat(url.path()).isEqualTo("backups");
	}

	@Test
	void refusesUnknownQueryKeysByName() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ReplicaUrl.parse("s3://bucket/p?endpoint=x&sse-kms-key-id=abc"))
			.withMessageContaining("'sse-kms-key-id'");
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("s3://bucket/p?age=1"))
			.withMessageContaining("'age'");
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("file:///backups?region=x"))
			.withMessageContaining("'region'");
	}

	@Test
	void refusesBadBooleansAndMissingBucket() {
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("s3://bucket/p?skip-verify=yes"))
			.withMessageContaining("skip-verify")
			.withMessageContaining("yes");
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("s3:///path"))
			.withMessageContaining("no bucket");
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("gcs://bucket/path"))
			.withMessageContaining("unsupported replica URL scheme");
	}

	@Test
	void parsesFileUrls() {
		ReplicaUrl url = ReplicaUrl.parse("file:///var/backups/app/../app2");

		assertThat(url.isFile()).isTrue();
		assertThat(url.directory()).isEqualTo(Path.of("/var/backups/app2"));
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("file://host/dir"))
			.withMessageContaining("file:///DIR");
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaUrl.parse("file:relative"))
			.withMessageContaining("file:///DIR");
	}

}
