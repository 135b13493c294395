package io.litestream4j.core;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The outcome of a restore. {@code skipped} is set with a reason when nothing was written on purpose
 * (output exists with if-db-not-exists, no backup with if-replica-exists).
 */
public record RestoreResult(Path path, String generation, long index, long bytes, Duration duration,
		String integrity, String skipped) {

	public static RestoreResult skipped(Path path, String reason) {
		return new RestoreResult(path, null, -1, 0, Duration.ZERO, null, reason);
	}

	public boolean wasSkipped() {
		return skipped != null;
	}

}
