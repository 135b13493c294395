package io.litestream4j.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Replication settings under {@code litestream.*}, shaped like Litestream's YAML.
 *
 * @param enabled Whether replication is enabled
 * @param config Path of a Litestream YAML file; when set it is the whole replication config and
 * {@code litestream.dbs} / {@code litestream.replicas} are ignored
 * @param accessKeyId S3 access key id used by replicas that do not set their own
 * @param secretAccessKey S3 secret access key used by replicas that do not set their own
 * @param dbs Databases to replicate
 * @param replicas Replicas of the SQLite database of {@code spring.datasource.url}, used when no
 * {@code dbs} are configured
 * @param restoreOnStartup Whether the databases are restored from their replica before anything opens them
 * @param restore Settings of restores requested over the actuator endpoint
 * @param health Thresholds of the {@code litestream} health indicator
 * @param lease Single-writer lease on each replica path
 */
@ConfigurationProperties("litestream")
public record LitestreamProperties(@DefaultValue("true") boolean enabled, @Nullable String config,
		@Nullable String accessKeyId, @Nullable String secretAccessKey, @Nullable List<Db> dbs,
		@Nullable List<Replica> replicas, @DefaultValue("if-db-not-exists") RestoreOnStartup restoreOnStartup,
		@DefaultValue Restore restore, @DefaultValue Health health, @DefaultValue Lease lease) {

	public LitestreamProperties {
		dbs = (dbs != null) ? List.copyOf(dbs) : List.of();
		replicas = (replicas != null) ? List.copyOf(replicas) : List.of();
	}

	/** When a database is restored at startup. */
	public enum RestoreOnStartup {

		/** Restore when the database file does not exist; a missing replica means a fresh start. */
		IF_DB_NOT_EXISTS,

		/** Never restore at startup. */
		NEVER

	}

	/**
	 * One replicated database.
	 *
	 * @param path The database file; a missing parent directory is created
	 * @param monitorInterval How often the WAL is checked even when no change was noticed
	 * @param checkpointInterval A passive checkpoint runs this often when the WAL has frames
	 * @param minCheckpointPageCount WAL pages that trigger a passive checkpoint
	 * @param maxCheckpointPageCount WAL pages that trigger a restart checkpoint; 0 disables it
	 * @param replicas Where this database is replicated to
	 */
	public record Db(@Nullable String path, @DefaultValue("1s") Duration monitorInterval,
			@DefaultValue("1m") Duration checkpointInterval, @DefaultValue("1000") int minCheckpointPageCount,
			@DefaultValue("10000") int maxCheckpointPageCount, @Nullable List<Replica> replicas) {

		public Db {
			replicas = (replicas != null) ? List.copyOf(replicas) : List.of();
		}

	}

	/**
	 * One replica of a database.
	 *
	 * @param name Name of the replica, unique per database; defaults to the type
	 * @param type Replica type: {@code s3} or {@code file}; implied by {@code url} when that is set
	 * @param url Replica URL in Litestream's form, {@code s3://bucket/path} or {@code file:///dir}
	 * @param bucket S3 bucket
	 * @param path Path in the bucket (s3) or directory (file)
	 * @param endpoint S3 endpoint; without a scheme, {@code https://} is meant
	 * @param region S3 region
	 * @param forcePathStyle Whether path-style requests are used; defaults to true when an endpoint is set
	 * @param skipVerify Whether TLS certificate verification is skipped
	 * @param syncInterval Least time between two uploads
	 * @param snapshotInterval How often a new snapshot is taken; unset means only when retention requires
	 * @param retention How long snapshots and WAL are kept
	 * @param retentionCheckInterval How often retention runs
	 * @param accessKeyId S3 access key id of this replica
	 * @param secretAccessKey S3 secret access key of this replica
	 * @param checksumCalculation S3 request checksums: {@code when-supported} or {@code when-required}
	 * (for stores that reject the SDK's default checksums)
	 */
	public record Replica(@Nullable String name, @Nullable String type, @Nullable String url, @Nullable String bucket,
			@Nullable String path, @Nullable String endpoint, @Nullable String region,
			@Nullable Boolean forcePathStyle, @DefaultValue("false") boolean skipVerify,
			@DefaultValue("1s") Duration syncInterval, @Nullable Duration snapshotInterval,
			@DefaultValue("24h") Duration retention, @DefaultValue("1h") Duration retentionCheckInterval,
			@Nullable String accessKeyId, @Nullable String secretAccessKey, @Nullable String checksumCalculation) {

		@Override
		public String toString() {
			// Records print every component; a secret must never reach a log line or an error.
			return "Replica[name=" + name + ", type=" + type + ", bucket=" + bucket + ", path=" + path + "]";
		}

	}

	/**
	 * Restores requested over the actuator endpoint.
	 *
	 * @param allowedDirs Directories a restore may write into; default: each database's own directory
	 */
	public record Restore(@Nullable List<Path> allowedDirs) {

		public Restore {
			allowedDirs = (allowedDirs != null) ? List.copyOf(allowedDirs) : List.of();
		}

	}

	/**
	 * Thresholds of the {@code litestream} health indicator.
	 *
	 * @param maxLag Replication lag above which the replica is reported down
	 * @param maxFailureDuration Time a replica may keep failing before it is reported down
	 */
	public record Health(@DefaultValue("60s") Duration maxLag, @DefaultValue("60s") Duration maxFailureDuration) {

	}

	/**
	 * Single-writer lease on each replica path.
	 *
	 * @param enabled Whether a lease is taken before uploading
	 * @param ttl How long a lease lasts without renewal
	 */
	public record Lease(@DefaultValue("true") boolean enabled, @DefaultValue("30s") Duration ttl) {

	}

	@Override
	public String toString() {
		return "LitestreamProperties[enabled=" + enabled + ", config=" + config + ", dbs=" + dbs + ", replicas="
				+ replicas + "]";
	}

}
