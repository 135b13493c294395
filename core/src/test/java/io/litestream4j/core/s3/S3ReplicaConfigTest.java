package io.litestream4j.core.s3;

import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class S3ReplicaConfigTest {

	private static final Map<String, String> ENV = Map.of(S3ClientFactory.ENV_ACCESS_KEY_ID, "env-key",
			S3ClientFactory.ENV_SECRET_ACCESS_KEY, "env-secret");

	@Test
	void endpointWithoutSchemeMeansHttps() {
		S3ReplicaConfig config = S3ReplicaConfig.of("litestream", "quadtask-dev").withEndpoint("s3.example.com");

		assertThat(config.endpointUri()).hasToString("https://s3.example.com");
		assertThat(config.effectiveForcePathStyle()).isTrue();
		assertThat(config.effectiveChecksumCalculation()).isEqualTo("when-required");
		assertThat(config.effectiveRegion()).isEqualTo("us-east-1");
	}

	@Test
	void explicitSettingsWinOverEndpointDefaults() {
		S3ReplicaConfig config = S3ReplicaConfig.of("b", "p")
			.withEndpoint("http://minio:9000")
			.withForcePathStyle(false)
			.withChecksumCalculation("WHEN_SUPPORTED");

		assertThat(config.effectiveForcePathStyle()).isFalse();
		assertThat(config.effectiveChecksumCalculation()).isEqualTo("when-supported");
	}

	@Test
	void pathLosesLeadingSlash() {
		assertThat(S3ReplicaConfig.of("b", "/quadtask-dev/").path()).isEqualTo("quadtask-dev");
	}

	@Test
	void refusesInvalidSettingsNamingThem() {
		assertThatIllegalArgumentException().isThrownBy(() -> S3ReplicaConfig.of("b", "p").withChecksumCalculation("always"))
			.withMessageContaining("checksum-calculation")
			.withMessageContaining("always");
		assertThatIllegalArgumentException().isThrownBy(() -> S3ReplicaConfig.of("b", "p").withCredentials("key", null))
			.withMessageContaining("access-key-id and secret-access-key");
		assertThatIllegalArgumentException().isThrownBy(() -> S3ReplicaConfig.of(" ", "p"))
			.withMessageContaining("bucket");
		assertThatIllegalArgumentException().isThrownBy(() -> S3ReplicaConfig.of("b", "p").withEndpoint("ftp://host"))
			.withMessageContaining("endpoint");
	}

	@Test
	void toStringAndDescribeNeverShowTheSecret() {
		S3ReplicaConfig config = S3ReplicaConfig.of("b", "p").withCredentials("AKIAEXAMPLE", "very-secret-value");

		assertThat(config.toString()).doesNotContain("very-secret-value").doesNotContain("AKIAEXAMPLE");
		assertThat(config.describe()).doesNotContain("very-secret-value")
			.isEqualTo("s3 replica bucket=\"b\" path=\"p\" region=\"us-east-1\" endpoint=\"aws\"");
	}

	@Test
	void configKeysWinOverLitestreamEnvironment() {
		S3ReplicaConfig config = S3ReplicaConfig.of("b", "p").withCredentials("cfg-key", "cfg-secret");

		AwsCredentials credentials = S3ClientFactory.credentialsProvider(config, ENV).resolveCredentials();

		assertThat(credentials.accessKeyId()).isEqualTo("cfg-key");
		assertThat(credentials.secretAccessKey()).isEqualTo("cfg-secret");
	}

	@Test
	void litestreamEnvironmentWinsOverTheDefaultChain() {
		AwsCredentials credentials = S3ClientFactory.credentialsProvider(S3ReplicaConfig.of("b", "p"), ENV)
			.resolveCredentials();

		assertThat(credentials.accessKeyId()).isEqualTo("env-key");
		assertThat(credentials.secretAccessKey()).isEqualTo("env-secret");
	}

	@Test
	void fallsBackToTheAwsDefaultChainLazily() {
		// Only the provider's type is checked: resolving it could look at the developer's ~/.aws.
		assertThat(S3ClientFactory.credentialsProvider(S3ReplicaConfig.of("b", "p"), Map.of()))
			.isInstanceOf(DefaultCredentialsProvider.class);
	}

}
