package io.litestream4j.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one replicated database, with Litestream's defaults.
 *
 * @param path the database file
 * @param monitorInterval how often the WAL is fully checked even when no change was seen
 * @param changePollInterval how often the WAL file's size and time are looked at to notice commits
 *     from any process (cheap: one stat call)
 * @param checkpointInterval a PASSIVE checkpoint once the db file is older than this and the WAL has frames
 * @param minCheckpointPageCount WAL pages that trigger a PASSIVE checkpoint
 * @param maxCheckpointPageCount WAL pages that trigger a RESTART checkpoint (0 disables)
 * @param truncatePageCount WAL size in pages that triggers a TRUNCATE checkpoint
 * @param busyTimeout busy timeout of the replicator's own connection
 */
public record DbOptions(Path path, Duration monitorInterval, Duration changePollInterval, Duration checkpointInterval,
		int minCheckpointPageCount, int maxCheckpointPageCount, int truncatePageCount, Duration busyTimeout) {

	public static final Duration DEFAULT_MONITOR_INTERVAL = Duration.ofSeconds(1);

	public static final Duration DEFAULT_CHANGE_POLL_INTERVAL = Duration.ofMillis(20);

	public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(1);

	public static final int DEFAULT_MIN_CHECKPOINT_PAGE_COUNT = 1000;

	public static final int DEFAULT_MAX_CHECKPOINT_PAGE_COUNT = 10000;

	public static final int DEFAULT_TRUNCATE_PAGE_COUNT = 500000;

	public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(1);

	public DbOptions {
		Objects.requireNonNull(path, "path");
		requirePositive(monitorInterval, "monitor-interval");
		requirePositive(changePollInterval, "change-poll-interval");
		Objects.requireNonNull(checkpointInterval, "checkpoint-interval");
		if (minCheckpointPageCount <= 0) {
			throw new IllegalArgumentException("min-checkpoint-page-count must be > 0, was " + minCheckpointPageCount);
		}
		if (maxCheckpointPageCount < 0) {
			throw new IllegalArgumentException("max-checkpoint-page-count must be >= 0, was " + maxCheckpointPageCount);
		}
		if (truncatePageCount <= 0) {
			throw new IllegalArgumentException("truncate-page-count must be > 0, was " + truncatePageCount);
		}
		requirePositive(busyTimeout, "busy-timeout");
	}

	public static DbOptions defaults(Path path) {
		return new DbOptions(path, DEFAULT_MONITOR_INTERVAL, DEFAULT_CHANGE_POLL_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL,
				DEFAULT_MIN_CHECKPOINT_PAGE_COUNT, DEFAULT_MAX_CHECKPOINT_PAGE_COUNT, DEFAULT_TRUNCATE_PAGE_COUNT,
				DEFAULT_BUSY_TIMEOUT);
	}

	public DbOptions withCheckpointPageCounts(int min, int max) {
		return new DbOptions(path, monitorInterval, changePollInterval, checkpointInterval, min, max, truncatePageCount,
				busyTimeout);
	}

	public DbOptions withMonitorInterval(Duration interval) {
		return new DbOptions(path, interval, changePollInterval, checkpointInterval, minCheckpointPageCount,
				maxCheckpointPageCount, truncatePageCount, busyTimeout);
	}

	public DbOptions withCheckpointInterval(Duration interval) {
		return new DbOptions(path, monitorInterval, changePollInterval, interval, minCheckpointPageCount,
				maxCheckpointPageCount, truncatePageCount, busyTimeout);
	}

	static void requirePositive(Duration duration, String name) {
		Objects.requireNonNull(duration, name);
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(name + " must be positive, was " + duration);
		}
	}

}
