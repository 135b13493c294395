package io.litestream4j.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The validated replication config, whichever source it came from ({@code litestream.*} properties or a
 * Litestream YAML file). Every value is final: defaults applied, placeholders resolved, credentials chosen.
 *
 * @param source where the config came from, for messages ({@code litestream.*} or the YAML file)
 * @param dbs the databases to replicate
 * @param credentials the global credentials (litestream.*, the YAML's or LITESTREAM_*); null for the AWS chain
 */
public record ReplicationSettings(String source, List<DbSettings> dbs, @Nullable Credentials credentials) {

	public ReplicationSettings {
		dbs = List.copyOf(dbs);
	}

	/** The database at this path (absolute, normalized) or with this file name, if any. */
	public @Nullable DbSettings find(String nameOrPath) {
		for (DbSettings db : dbs) {
			if (db.path().toString().equals(nameOrPath) || db.name().equals(nameOrPath)
					|| db.path().equals(Path.of(nameOrPath).toAbsolutePath().normalize())) {
				return db;
			}
		}
		return null;
	}

	/**
	 * One database.
	 *
	 * @param key the property prefix it came from, e.g. {@code litestream.dbs[0]}
	 * @param path the database file, absolute and normalized
	 * @param monitorInterval how often the WAL is checked without a noticed change
	 * @param checkpointInterval passive checkpoint interval
	 * @param minCheckpointPageCount pages that trigger a passive checkpoint
	 * @param maxCheckpointPageCount pages that trigger a restart checkpoint
	 * @param replicas its replicas
	 */
	public record DbSettings(String key, Path path, Duration monitorInterval, Duration checkpointInterval,
			int minCheckpointPageCount, int maxCheckpointPageCount, List<ReplicaSettings> replicas) {

		public DbSettings {
			replicas = List.copyOf(replicas);
		}

		/** The file name: the {@code db} tag of metrics and the name accepted by the endpoint. */
		public String name() {
			return path.getFileName().toString();
		}

	}

	/**
	 * One replica, resolved.
	 *
	 * @param key the property prefix it came from, e.g. {@code litestream.dbs[0].replicas[1]}
	 * @param name unique per database
	 * @param type {@code s3} or {@code file}
	 * @param bucket S3 bucket; null for file replicas
	 * @param path path in the bucket, or the directory of a file replica
	 * @param endpoint S3 endpoint with a scheme; null for AWS
	 * @param region S3 region; null when left to the S3 client
	 * @param forcePathStyle whether S3 requests are path-style
	 * @param skipVerify whether TLS verification is skipped
	 * @param syncInterval least time between uploads
	 * @param snapshotInterval snapshot interval; zero: only when retention needs one
	 * @param retention retention; zero disables it
	 * @param retentionCheckInterval how often retention runs
	 * @param credentials the chosen static credentials; null for the AWS default chain
	 * @param checksumCalculation {@code when-supported}, {@code when-required} or null for the SDK default
	 * @param overridesClient whether this replica sets anything that the application's own S3 client would
	 * not do (endpoint, region, credentials, path style, TLS, checksums); if not, that client is reused
	 */
	public record ReplicaSettings(String key, String name, String type, @Nullable String bucket, String path,
			@Nullable URI endpoint, @Nullable String region, boolean forcePathStyle, boolean skipVerify,
			Duration syncInterval, Duration snapshotInterval, Duration retention, Duration retentionCheckInterval,
			@Nullable Credentials credentials, @Nullable String checksumCalculation, boolean overridesClient) {

		public boolean isS3() {
			return "s3".equals(type);
		}

		/**
		 * The start-up line of the contract, Go-style durations, never a secret: {@code name="quadtask" type="s3"
		 * bucket="litestream" path="quadtask-dev" region="us-east-1" endpoint="https://s3.example.com"
		 * sync-interval=1s}.
		 * @param effectiveRegion the region in use when the S3 client chose it
		 * @param effectiveEndpoint the endpoint in use when the S3 client chose it
		 */
		public String describe(@Nullable String effectiveRegion, @Nullable String effectiveEndpoint) {
			StringBuilder line = new StringBuilder();
			line.append("name=\"").append(name).append("\" type=\"").append(type).append('"');
			if (isS3()) {
				line.append(" bucket=\"").append(bucket).append('"');
			}
			line.append(" path=\"").append(path).append('"');
			if (isS3()) {
				String shownRegion = (region != null) ? region : effectiveRegion;
				line.append(" region=\"").append((shownRegion != null) ? shownRegion : "").append('"');
				Object shownEndpoint = (endpoint != null) ? endpoint : effectiveEndpoint;
				line.append(" endpoint=\"").append((shownEndpoint != null) ? shownEndpoint : "").append('"');
			}
			line.append(" sync-interval=").append(GoDurations.format(syncInterval));
			return line.toString();
		}

		@Override
		public String toString() {
			return describe(null, null);
		}

	}

	/**
	 * Static S3 credentials. {@link #toString()} hides the secret.
	 *
	 * @param accessKeyId access key id
	 * @param secretAccessKey secret access key
	 * @param source which setting they came from, for messages
	 */
	public record Credentials(String accessKeyId, String secretAccessKey, String source) {

		@Override
		public String toString() {
			return "Credentials[from " + source + "]";
		}

	}

}
