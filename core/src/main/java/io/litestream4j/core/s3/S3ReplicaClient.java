package io.litestream4j.core.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Lease;
import io.litestream4j.core.OperationCounters;
import io.litestream4j.core.Payload;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.ReplicaLayout;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.SnapshotInfo;
import io.litestream4j.core.StoredLease;
import io.litestream4j.core.WalSegmentInfo;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A replica in an S3 bucket (AWS or any S3-compatible store), laid out exactly as Litestream v0.3's
 * {@code s3} replica under the key prefix {@code path}. Timestamps are the objects' {@code LastModified}.
 * <p>
 * Every request attempt (retries included) is counted in {@link #counters()}, so the bill can be read
 * off the metrics. Objects up to {@value #MULTIPART_THRESHOLD} bytes go up in one PutObject streamed from
 * the payload; larger ones as a multipart upload, one part in memory at a time.
 */
public final class S3ReplicaClient implements ReplicaClient {

	/** Above this size a payload is uploaded in parts. */
	public static final long MULTIPART_THRESHOLD = 16L * 1024 * 1024;

	/** Part size of multipart uploads: the memory one upload holds. */
	public static final int PART_SIZE = 8 * 1024 * 1024;

	/** DeleteObjects takes at most this many keys per request. */
	static final int DELETE_BATCH = 1000;

	private final S3Client s3;

	private final boolean ownsClient;

	private final String bucket;

	private final String root;

	private final String endpoint;

	private final List<String> secrets;

	private final OperationCounters counters = new OperationCounters();

	/**
	 * Wraps an existing client, for example the application's {@code S3Client} bean; it is not closed
	 * by {@link #close()}.
	 * @param endpoint where the client points, only for messages ({@code null} for AWS)
	 */
	public S3ReplicaClient(S3Client s3, String bucket, String path, String endpoint) {
		this(s3, false, bucket, path, endpoint, List.of());
	}

	private S3ReplicaClient(S3Client s3, boolean ownsClient, String bucket, String path, String endpoint,
			List<String> secrets) {
		this.s3 = Objects.requireNonNull(s3, "s3");
		this.ownsClient = ownsClient;
		if (bucket == null || bucket.isBlank()) {
			throw new IllegalArgumentException("s3 replica: bucket must not be empty");
		}
		this.bucket = bucket;
		this.root = S3ReplicaConfig.normalizePath(path);
		this.endpoint = (endpoint != null) ? endpoint : "aws";
		this.secrets = secrets;
	}

	/** A client with its own dedicated {@link S3Client} built from {@code config}; closed with it. */
	public static S3ReplicaClient create(S3ReplicaConfig config) {
		return create(config, S3ClientFactory.create(config));
	}

	/** As {@link #create(S3ReplicaConfig)} with a client built by the caller from the same config. */
	public static S3ReplicaClient create(S3ReplicaConfig config, S3Client dedicated) {
		URI uri = config.endpointUri();
		List<String> secrets = new ArrayList<>();
		if (config.secretAccessKey() != null) {
			secrets.add(config.secretAccessKey());
		}
		String envSecret = System.getenv(S3ClientFactory.ENV_SECRET_ACCESS_KEY);
		if (envSecret != null && !envSecret.isBlank()) {
			secrets.add(envSecret);
		}
		return new S3ReplicaClient(dedicated, true, config.bucket(), config.path(), (uri != null) ? uri.toString() : null,
				List.copyOf(secrets));
	}

	public String bucket() {
		return bucket;
	}

	/** The key prefix, without leading or trailing slash; empty for the bucket root. */
	public String path() {
		return root;
	}

	public String endpoint() {
		return endpoint;
	}

	@Override
	public String type() {
		return "s3";
	}

	@Override
	public String describe() {
		return "s3 replica bucket=\"" + bucket + "\" path=\"" + root + "\" endpoint=\"" + endpoint + "\"";
	}

	@Override
	public List<String> generations() throws IOException {
		String prefix = key(ReplicaLayout.generationsDir()) + "/";
		List<String> generations = new ArrayList<>();
		list(prefix, true, (objects, prefixes) -> {
			for (CommonPrefix common : prefixes) {
				String name = common.prefix().substring(prefix.length());
				if (name.endsWith("/")) {
					name = name.substring(0, name.length() - 1);
				}
				if (Generations.isGeneration(name)) {
					generations.add(name);
				}
			}
		});
		return generations;
	}

	@Override
	public List<SnapshotInfo> snapshots(String generation) throws IOException {
		String prefix = key(ReplicaLayout.snapshotsDir(generation)) + "/";
		List<SnapshotInfo> snapshots = new ArrayList<>();
		list(prefix, true, (objects, prefixes) -> {
			for (S3Object object : objects) {
				OptionalLong index = ReplicaLayout.parseSnapshotName(object.key().substring(prefix.length()));
				if (index.isPresent()) {
					snapshots.add(new SnapshotInfo(generation, index.getAsLong(), size(object), object.lastModified()));
				}
			}
		});
		snapshots.sort(Comparator.comparingLong(SnapshotInfo::index));
		return snapshots;
	}

	@Override
	public List<WalSegmentInfo> walSegments(String generation) throws IOException {
		String prefix = key(ReplicaLayout.walDir(generation)) + "/";
		List<WalSegmentInfo> segments = new ArrayList<>();
		list(prefix, true, (objects, prefixes) -> {
			for (S3Object object : objects) {
				long[] indexOffset = ReplicaLayout.parseWalSegmentName(object.key().substring(prefix.length()));
				if (indexOffset != null) {
					segments.add(new WalSegmentInfo(generation, indexOffset[0], indexOffset[1], size(object),
							object.lastModified()));
				}
			}
		});
		segments.sort(Comparator.comparingLong(WalSegmentInfo::index).thenComparingLong(WalSegmentInfo::offset));
		return segments;
	}

	@Override
	public void writeSnapshot(String generation, long index, Payload compressed) throws IOException {
		put(key(ReplicaLayout.snapshotKey(generation, index)), compressed);
	}

	@Override
	public InputStream openSnapshot(String generation, long index) throws IOException {
		return get(key(ReplicaLayout.snapshotKey(generation, index)));
	}

	@Override
	public void writeWalSegment(Pos pos, Payload compressed) throws IOException {
		put(key(ReplicaLayout.walSegmentKey(pos)), compressed);
	}

	@Override
	public InputStream openWalSegment(Pos pos) throws IOException {
		return get(key(ReplicaLayout.walSegmentKey(pos)));
	}

	@Override
	public void deleteSnapshot(String generation, long index) throws IOException {
		String key = key(ReplicaLayout.snapshotKey(generation, index));
		try {
			s3.deleteObject(b -> b.bucket(bucket).key(key).overrideConfiguration(counting(ReplicaOperation.DELETE)));
			counters.record(ReplicaOperation.DELETE, 0);
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.DELETE, 0);
			throw failure("DeleteObject", key, ex);
		}
	}

	@Override
	public void deleteWalSegments(List<Pos> segments) throws IOException {
		List<String> keys = new ArrayList<>(segments.size());
		for (Pos pos : segments) {
			keys.add(key(ReplicaLayout.walSegmentKey(pos)));
		}
		deleteKeys(keys);
	}

	@Override
	public void deleteGeneration(String generation) throws IOException {
		String prefix = key(ReplicaLayout.generationDir(generation)) + "/";
		List<String> keys = new ArrayList<>();
		list(prefix, false, (objects, prefixes) -> objects.forEach(object -> keys.add(object.key())));
		deleteKeys(keys);
	}

	@Override
	public OperationCounters counters() {
		return counters;
	}

	@Override
	public boolean supportsLease() {
		return true;
	}

	@Override
	public StoredLease readLease() throws IOException {
		String key = key(Lease.OBJECT_NAME);
		ResponseBytes<GetObjectResponse> bytes;
		try {
			bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).overrideConfiguration(counting(ReplicaOperation.GET)));
		}
		catch (NoSuchKeyException ex) {
			counters.record(ReplicaOperation.GET, 0);
			return null;
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.GET, 0);
			if (ex instanceof S3Exception s3ex && s3ex.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(s3ex))) {
				return null;
			}
			throw failure("GetObject", key, ex);
		}
		counters.record(ReplicaOperation.GET, bytes.asByteArrayUnsafe().length);
		return new StoredLease(Lease.parse(bytes.asUtf8String(), describe() + " key=\"" + key + "\""),
				bytes.response().eTag());
	}

	/**
	 * A conditional PutObject: {@code If-None-Match: *} to create, {@code If-Match: <etag>} to replace. A
	 * 412 (condition failed), a 409 (a concurrent conditional write won) or a 404 (If-Match on a removed
	 * object) means someone else changed the lease.
	 */
	@Override
	public String writeLease(Lease lease, String expectedVersion) throws IOException {
		String key = key(Lease.OBJECT_NAME);
		byte[] json = lease.toJson().getBytes(StandardCharsets.UTF_8);
		try {
			PutObjectResponse response = s3.putObject(b -> {
				b.bucket(bucket).key(key).contentType("application/json").contentLength((long) json.length)
					.overrideConfiguration(counting(ReplicaOperation.PUT));
				if (expectedVersion == null) {
					b.ifNoneMatch("*");
				}
				else {
					b.ifMatch(expectedVersion);
				}
			}, RequestBody.fromBytes(json));
			counters.record(ReplicaOperation.PUT, json.length);
			return response.eTag();
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.PUT, 0);
			if (ex instanceof S3Exception s3ex
					&& (s3ex.statusCode() == 412 || s3ex.statusCode() == 409 || (s3ex.statusCode() == 404
							&& expectedVersion != null && !"NoSuchBucket".equals(errorCode(s3ex))))) {
				return null;
			}
			throw failure("PutObject (conditional, lease)", key, ex);
		}
	}

	@Override
	public void close() {
		if (ownsClient) {
			s3.close();
		}
	}

	/** The full object key of a layout-relative key under this replica's prefix. */
	String key(String relative) {
		return ReplicaLayout.join(root, relative);
	}

	private interface PageConsumer {

		void accept(List<S3Object> objects, List<CommonPrefix> prefixes);

	}

	/** Lists every page under {@code prefix}; one LIST per page. */
	private void list(String prefix, boolean delimited, PageConsumer consumer) throws IOException {
		String token = null;
		do {
			ListObjectsV2Request.Builder request = ListObjectsV2Request.builder()
				.bucket(bucket)
				.prefix(prefix)
				.overrideConfiguration(counting(ReplicaOperation.LIST));
			if (delimited) {
				request.delimiter("/");
			}
			if (token != null) {
				request.continuationToken(token);
			}
			ListObjectsV2Response page;
			try {
				page = s3.listObjectsV2(request.build());
				counters.record(ReplicaOperation.LIST, 0);
			}
			catch (SdkException ex) {
				counters.record(ReplicaOperation.LIST, 0);
				throw failure("ListObjectsV2", prefix, ex);
			}
			consumer.accept(page.contents(), page.commonPrefixes());
			token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
		}
		while (token != null);
	}

	private void put(String key, Payload payload) throws IOException {
		if (payload.length() > MULTIPART_THRESHOLD) {
			putMultipart(key, payload);
			return;
		}
		RequestBody body = RequestBody.fromContentProvider(reopening(payload), payload.length(),
				"application/octet-stream");
		try {
			s3.putObject(b -> b.bucket(bucket).key(key).contentLength(payload.length())
				.overrideConfiguration(counting(ReplicaOperation.PUT)), body);
			counters.record(ReplicaOperation.PUT, payload.length());
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.PUT, 0);
			throw failure("PutObject", key, ex);
		}
		catch (UncheckedIOException ex) {
			counters.record(ReplicaOperation.PUT, 0);
			throw new IOException("cannot read the payload for " + describe() + " key=\"" + key + "\"", ex.getCause());
		}
	}

	/** Uploads in parts of {@link #PART_SIZE}, reading the payload once; aborts the upload on failure. */
	private void putMultipart(String key, Payload payload) throws IOException {
		CreateMultipartUploadResponse created;
		try {
			created = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType("application/octet-stream")
				.overrideConfiguration(counting(ReplicaOperation.PUT)));
			counters.record(ReplicaOperation.PUT, 0);
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.PUT, 0);
			throw failure("CreateMultipartUpload", key, ex);
		}
		String uploadId = created.uploadId();
		boolean completed = false;
		try {
			List<CompletedPart> parts = new ArrayList<>();
			byte[] buffer = new byte[PART_SIZE];
			long remaining = payload.length();
			try (InputStream in = payload.open()) {
				int partNumber = 1;
				while (remaining > 0) {
					int wanted = (int) Math.min(PART_SIZE, remaining);
					int read = in.readNBytes(buffer, 0, wanted);
					if (read < wanted) {
						throw new IOException("payload for " + describe() + " key=\"" + key + "\" ended after "
								+ (payload.length() - remaining + read) + " of " + payload.length() + " bytes");
					}
					remaining -= read;
					parts.add(uploadPart(key, uploadId, partNumber++, buffer, read));
				}
			}
			try {
				s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
					.multipartUpload(m -> m.parts(parts))
					.overrideConfiguration(counting(ReplicaOperation.PUT)));
				counters.record(ReplicaOperation.PUT, 0);
				completed = true;
			}
			catch (SdkException ex) {
				counters.record(ReplicaOperation.PUT, 0);
				throw failure("CompleteMultipartUpload", key, ex);
			}
		}
		finally {
			if (!completed) {
				abort(key, uploadId);
			}
		}
	}

	private CompletedPart uploadPart(String key, String uploadId, int partNumber, byte[] buffer, int length)
			throws IOException {
		// The buffer is reused for the next part only after this call returns, so no copy is needed;
		// the provider hands out a fresh stream for each retry.
		RequestBody body = RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(buffer, 0, length),
				length, "application/octet-stream");
		try {
			UploadPartResponse response = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
				.partNumber(partNumber).contentLength((long) length)
				.overrideConfiguration(counting(ReplicaOperation.PUT)), body);
			counters.record(ReplicaOperation.PUT, length);
			return CompletedPart.builder().partNumber(partNumber).eTag(response.eTag()).build();
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.PUT, 0);
			throw failure("UploadPart " + partNumber, key, ex);
		}
	}

	private void abort(String key, String uploadId) {
		try {
			s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
				.overrideConfiguration(counting(ReplicaOperation.DELETE)));
			counters.record(ReplicaOperation.DELETE, 0);
		}
		catch (SdkException ex) {
			// The upload failed already and that error is what the caller sees; a dangling upload
			// costs storage until the bucket's lifecycle rule removes it.
			counters.record(ReplicaOperation.DELETE, 0);
		}
	}

	private InputStream get(String key) throws IOException {
		ResponseInputStream<GetObjectResponse> in;
		try {
			in = s3.getObject(b -> b.bucket(bucket).key(key).overrideConfiguration(counting(ReplicaOperation.GET)));
		}
		catch (NoSuchKeyException ex) {
			counters.record(ReplicaOperation.GET, 0);
			throw new NoSuchFileException(key, null, "no such object in " + describe());
		}
		catch (SdkException ex) {
			counters.record(ReplicaOperation.GET, 0);
			if (ex instanceof S3Exception s3ex && s3ex.statusCode() == 404
					&& !"NoSuchBucket".equals(errorCode(s3ex))) {
				throw new NoSuchFileException(key, null, "no such object in " + describe());
			}
			throw failure("GetObject", key, ex);
		}
		Long length = in.response().contentLength();
		counters.record(ReplicaOperation.GET, (length != null) ? length : 0);
		return new FilterInputStream(in) {
			@Override
			public int read() throws IOException {
				try {
					return super.read();
				}
				catch (SdkException ex) {
					throw failure("reading GetObject body", key, ex);
				}
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				try {
					return super.read(b, off, len);
				}
				catch (SdkException ex) {
					throw failure("reading GetObject body", key, ex);
				}
			}
		};
	}

	private void deleteKeys(List<String> keys) throws IOException {
		for (int start = 0; start < keys.size(); start += DELETE_BATCH) {
			List<ObjectIdentifier> batch = keys.subList(start, Math.min(keys.size(), start + DELETE_BATCH))
				.stream()
				.map(k -> ObjectIdentifier.builder().key(k).build())
				.toList();
			Delete delete = Delete.builder().objects(batch).quiet(true).build();
			DeleteObjectsResponse response;
			try {
				response = s3.deleteObjects(b -> b.bucket(bucket).delete(delete)
					.overrideConfiguration(counting(ReplicaOperation.DELETE).toBuilder()
						.addPlugin(ContentMd5Plugin.INSTANCE)
						.build()));
				counters.record(ReplicaOperation.DELETE, 0);
			}
			catch (SdkException ex) {
				counters.record(ReplicaOperation.DELETE, 0);
				throw failure("DeleteObjects", batch.get(0).key(), ex);
			}
			// Deleting a missing key is a success in S3; anything reported here is a real failure.
			if (response.hasErrors() && !response.errors().isEmpty()) {
				var error = response.errors().get(0);
				throw new IOException(scrub("S3 DeleteObjects failed for " + response.errors().size() + " keys in "
						+ describe() + ", first key=\"" + error.key() + "\": " + error.code() + " " + error.message()));
			}
		}
	}

	/**
	 * A per-request metric publisher that counts the retries the SDK made on its own: the caller records
	 * one request per call, this adds one for every further attempt.
	 */
	private AwsRequestOverrideConfiguration counting(ReplicaOperation operation) {
		return AwsRequestOverrideConfiguration.builder().addMetricPublisher(new MetricPublisher() {
			@Override
			public void publish(MetricCollection metrics) {
				long attempts = metrics.children().stream().filter(c -> "ApiCallAttempt".equals(c.name())).count();
				for (long i = 1; i < attempts; i++) {
					counters.record(operation, 0);
				}
			}

			@Override
			public void close() {
			}
		}).build();
	}

	/** A content provider that reopens the payload for each attempt and closes the previous stream. */
	private static ContentStreamProvider reopening(Payload payload) {
		return new ContentStreamProvider() {
			private InputStream current;

			@Override
			public InputStream newStream() {
				try {
					if (current != null) {
						current.close();
					}
					current = payload.open();
					return current;
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		};
	}

	/** One clear error naming bucket, key and endpoint; never a secret. */
	private IOException failure(String action, String key, SdkException ex) {
		String message = "S3 " + action + " failed for " + describe() + " key=\"" + key + "\": " + reason(ex);
		return new IOException(scrub(message), ex);
	}

	private String reason(SdkException ex) {
		if (ex instanceof S3Exception s3ex) {
			String code = errorCode(s3ex);
			int status = s3ex.statusCode();
			String detail = (s3ex.awsErrorDetails() != null) ? s3ex.awsErrorDetails().errorMessage() : null;
			String suffix = " (HTTP " + status + ((code != null) ? " " + code : "")
					+ ((detail != null) ? ": " + detail : "") + ")";
			if ("NoSuchBucket".equals(code)) {
				return "bucket \"" + bucket + "\" does not exist" + suffix;
			}
			if (status == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)
					|| "AccessDenied".equals(code)) {
				return "access denied, check the credentials and the bucket policy" + suffix;
			}
			if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
				return "wrong region for the bucket, set region" + suffix;
			}
			return "request failed" + suffix;
		}
		if (ex instanceof SdkClientException) {
			Throwable root = rootCause(ex);
			if (root instanceof ConnectException || root instanceof NoRouteToHostException
					|| root instanceof UnknownHostException) {
				return "endpoint unreachable (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
			}
			if (root instanceof SocketTimeoutException) {
				return "endpoint timed out (" + root.getMessage() + ")";
			}
		}
		return ex.getMessage();
	}

	private static String errorCode(S3Exception ex) {
		return (ex.awsErrorDetails() != null) ? ex.awsErrorDetails().errorCode() : null;
	}

	private static Throwable rootCause(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root;
	}

	private String scrub(String message) {
		String result = message;
		for (String secret : secrets) {
			result = result.replace(secret, "****");
		}
		return result;
	}

	private static long size(S3Object object) {
		return (object.size() != null) ? object.size() : 0;
	}

}
