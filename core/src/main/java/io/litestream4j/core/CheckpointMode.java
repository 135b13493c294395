package io.litestream4j.core;

import java.util.Locale;

/** SQLite's checkpoint modes, as an application names them in {@code PRAGMA wal_checkpoint(MODE)}. */
public enum CheckpointMode {

	/** Backfill what no reader needs; never wait. */
	PASSIVE,

	/** Backfill everything, waiting for readers of older snapshots. */
	FULL,

	/** FULL, then make the next write start the WAL from its beginning. */
	RESTART,

	/** RESTART, and shrink the WAL file. */
	TRUNCATE;

	/** The mode with this name in any case; SQLite treats a missing or unknown name as PASSIVE. */
	public static CheckpointMode parse(String name) {
		if (name == null || name.isBlank()) {
			return PASSIVE;
		}
		try {
			return valueOf(name.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			return PASSIVE;
		}
	}

	boolean waitsForReaders() {
		return this != PASSIVE;
	}

	boolean restartsWal() {
		return this == RESTART || this == TRUNCATE;
	}

}
