package io.litestream4j.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one replica, with Litestream's defaults.
 *
 * @param name the replica's name, unique per database
 * @param syncInterval the least time between two uploads (uploads happen only after changes)
 * @param snapshotInterval a new snapshot this often; zero disables
 * @param retention how long snapshots are kept; zero disables retention
 * @param retentionCheckInterval how often retention runs
 */
public record ReplicaOptions(String name, Duration syncInterval, Duration snapshotInterval, Duration retention,
		Duration retentionCheckInterval) {

	public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

	public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

	public static final Duration DEFAULT_RETENTION_CHECK_INTERVAL = Duration.ofHours(1);

	public ReplicaOptions {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("replica name must not be empty");
		}
		DbOptions.requirePositive(syncInterval, "sync-interval");
		Objects.requireNonNull(snapshotInterval, "snapshot-interval");
		Objects.requireNonNull(retention, "retention");
		Objects.requireNonNull(retentionCheckInterval, "retention-check-interval");
		if (snapshotInterval.isNegative() || retention.isNegative() || retentionCheckInterval.isNegative()) {
			throw new IllegalArgumentException("replica " + name + ": intervals must not be negative");
		}
	}

	public static ReplicaOptions defaults(String name) {
		return new ReplicaOptions(name, DEFAULT_SYNC_INTERVAL, Duration.ZERO, DEFAULT_RETENTION,
				DEFAULT_RETENTION_CHECK_INTERVAL);
	}

	public ReplicaOptions withSyncInterval(Duration interval) {
		return new ReplicaOptions(name, interval, snapshotInterval, retention, retentionCheckInterval);
	}

	public ReplicaOptions withSnapshotInterval(Duration interval) {
		return new ReplicaOptions(name, syncInterval, interval, retention, retentionCheckInterval);
	}

	public ReplicaOptions withRetention(Duration newRetention, Duration checkInterval) {
		return new ReplicaOptions(name, syncInterval, snapshotInterval, newRetention, checkInterval);
	}

}
