package io.litestream4j.core.s3;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Pos;
import io.litestream4j.core.testing.BytesPayload;
import io.litestream4j.core.testing.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code skip-verify} against S3Proxy serving HTTPS with a self-signed certificate. */
class S3SkipVerifyTest {

	@RegisterExtension
	static final S3ProxyServer s3proxy = S3ProxyServer.withSelfSignedTls("litestream4j-tls");

	@Test
	void selfSignedCertificateIsRefusedByDefault() {
		try (S3ReplicaClient client = S3ReplicaClient.create(s3proxy.replicaConfig("tls"))) {
			assertThatThrownBy(client::generations).isInstanceOf(IOException.class)
				.hasMessageContaining("endpoint=\"" + s3proxy.endpoint() + "\"")
				.hasMessageContaining("bucket=\"litestream4j-tls\"")
				.hasStackTraceContaining("PKIX");
		}
	}

	@Test
	void skipVerifyTrustsAnyCertificate() throws IOException {
		try (S3ReplicaClient client = S3ReplicaClient.create(s3proxy.replicaConfig("tls").withSkipVerify(true))) {
			String generation = Generations.newGeneration();
			client.writeWalSegment(new Pos(generation, 0, 0), new BytesPayload(new byte[] { 1, 2, 3 }));

			assertThat(client.generations()).containsExactly(generation);
			assertThat(client.openWalSegment(new Pos(generation, 0, 0)).readAllBytes()).containsExactly(1, 2, 3);
		}
	}

}
