package io.litestream4j.core.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import software.amazon.awssdk.core.SdkServiceClientConfiguration;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.checksums.ChecksumSpecs;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.utils.Md5Utils;

/**
 * A per-request plugin for DeleteObjects, which S3 requires a body checksum for. AWS SDK v2 ≥ 2.30
 * always sends a CRC32 {@code x-amz-checksum-crc32} header then, whatever the checksum-calculation
 * setting, and several S3-compatible stores (S3Proxy 3.0.0 among them) refuse that header with 501.
 * This sends {@code Content-MD5} instead, as SDK v1 (and so Litestream) did; every S3 implementation,
 * AWS included, accepts it. Used per request, so a shared application {@code S3Client} is never changed.
 */
final class ContentMd5Plugin implements SdkPlugin {

	static final ContentMd5Plugin INSTANCE = new ContentMd5Plugin();

	private static final ExecutionInterceptor INTERCEPTOR = new ExecutionInterceptor() {
		@Override
		public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
			if (context.httpRequest().firstMatchingHeader("Content-MD5").isPresent() || context.requestBody().isEmpty()) {
				return context.httpRequest();
			}
			String md5;
			try (InputStream body = context.requestBody().get().contentStreamProvider().newStream()) {
				md5 = Md5Utils.md5AsBase64(body);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			// With no algorithm and "not required", the SDK's checksum stage and signer add no flexible
			// checksum; the MD5 header satisfies the service's requirement instead.
			attributes.putAttribute(SdkExecutionAttribute.RESOLVED_CHECKSUM_SPECS,
					ChecksumSpecs.builder().isRequestChecksumRequired(false).build());
			return context.httpRequest().toBuilder().putHeader("Content-MD5", md5).build();
		}
	};

	private ContentMd5Plugin() {
	}

	@Override
	public void configureClient(SdkServiceClientConfiguration.Builder config) {
		config.overrideConfiguration(config.overrideConfiguration().toBuilder().addExecutionInterceptor(INTERCEPTOR).build());
	}

}
