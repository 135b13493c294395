package io.litestream4j.core;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * What to restore and where, as {@code litestream restore} takes it.
 *
 * @param outputPath the database file to write
 * @param generation restore this generation; null for the best one
 * @param index restore up to and including this WAL index; null for all (exclusive with timestamp)
 * @param timestamp restore the state as of this time; null for the latest
 * @param overwrite whether an existing output file may be replaced
 * @param ifDbNotExists whether an existing output file means: skip, successfully
 * @param ifReplicaExists whether a replica without backups means: skip, successfully
 * @param parallelism how many WAL segments are downloaded at once
 * @param integrityCheck what to check before the restored file is renamed into place; null means FULL
 */
public record RestoreOptions(Path outputPath, String generation, Long index, Instant timestamp, boolean overwrite,
		boolean ifDbNotExists, boolean ifReplicaExists, int parallelism, IntegrityCheck integrityCheck) {

	public static final int DEFAULT_PARALLELISM = 8;

	/**
	 * The check a restore runs on the finished file, as Litestream v0.5's {@code restore -integrity-check}:
	 * {@code PRAGMA integrity_check}, {@code PRAGMA quick_check} (skips index consistency, so O(N) instead of
	 * O(N log N)), or none (as Litestream v0.3, which checks nothing; the frames' checksums are still verified).
	 */
	public enum IntegrityCheck {

		NONE(null), QUICK("quick_check"), FULL("integrity_check");

		private final String pragma;

		IntegrityCheck(String pragma) {
			this.pragma = pragma;
		}

		/** The PRAGMA that runs the check; null for NONE. */
		public String pragma() {
			return pragma;
		}

	}

	public RestoreOptions {
		Objects.requireNonNull(outputPath, "outputPath");
		if (index != null && timestamp != null) {
			throw new IllegalArgumentException("cannot specify index & timestamp to restore");
		}
		if (generation != null && !Generations.isGeneration(generation)) {
			throw new IllegalArgumentException("generation must be 16 lowercase hex characters, was: " + generation);
		}
		if (index != null && (index < 0 || index > 0x7FFFFFFFL)) {
			throw new IllegalArgumentException("index out of range: " + index);
		}
		if (parallelism < 1) {
			parallelism = 1;
		}
		if (integrityCheck == null) {
			integrityCheck = IntegrityCheck.FULL;
		}
	}

	/** As the canonical constructor with the default {@link IntegrityCheck#FULL}. */
	public RestoreOptions(Path outputPath, String generation, Long index, Instant timestamp, boolean overwrite,
			boolean ifDbNotExists, boolean ifReplicaExists, int parallelism) {
		this(outputPath, generation, index, timestamp, overwrite, ifDbNotExists, ifReplicaExists, parallelism,
				IntegrityCheck.FULL);
	}

	public static RestoreOptions latest(Path outputPath) {
		return new RestoreOptions(outputPath, null, null, null, false, false, false, DEFAULT_PARALLELISM,
				IntegrityCheck.FULL);
	}

	public RestoreOptions withTimestamp(Instant at) {
		return new RestoreOptions(outputPath, generation, index, at, overwrite, ifDbNotExists, ifReplicaExists,
				parallelism, integrityCheck);
	}

	public RestoreOptions withGeneration(String gen, Long upToIndex) {
		return new RestoreOptions(outputPath, gen, upToIndex, timestamp, overwrite, ifDbNotExists, ifReplicaExists,
				parallelism, integrityCheck);
	}

	public RestoreOptions withOverwrite(boolean value) {
		return new RestoreOptions(outputPath, generation, index, timestamp, value, ifDbNotExists, ifReplicaExists,
				parallelism, integrityCheck);
	}

	public RestoreOptions withIfDbNotExists(boolean value) {
		return new RestoreOptions(outputPath, generation, index, timestamp, overwrite, value, ifReplicaExists,
				parallelism, integrityCheck);
	}

	public RestoreOptions withIfReplicaExists(boolean value) {
		return new RestoreOptions(outputPath, generation, index, timestamp, overwrite, ifDbNotExists, value,
				parallelism, integrityCheck);
	}

	public RestoreOptions withIntegrityCheck(IntegrityCheck check) {
		return new RestoreOptions(outputPath, generation, index, timestamp, overwrite, ifDbNotExists, ifReplicaExists,
				parallelism, check);
	}

}
