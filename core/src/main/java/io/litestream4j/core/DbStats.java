package io.litestream4j.core;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Counters and gauges of one database, updated by the engine and read by metrics; never blocks. */
public final class DbStats {

	final AtomicLong dbSize = new AtomicLong();

	final AtomicLong walSize = new AtomicLong();

	final AtomicLong totalWalBytes = new AtomicLong();

	final AtomicLong shadowWalIndex = new AtomicLong();

	final AtomicLong shadowWalSize = new AtomicLong();

	final AtomicLong syncCount = new AtomicLong();

	final AtomicLong syncErrorCount = new AtomicLong();

	final AtomicLong syncNanos = new AtomicLong();

	final AtomicLong checkpointCount = new AtomicLong();

	final AtomicLong checkpointErrorCount = new AtomicLong();

	final AtomicLong checkpointNanos = new AtomicLong();

	final AtomicLong generationChanges = new AtomicLong();

	volatile String lastGenerationChangeReason;

	volatile Instant lastSyncAt;

	volatile String lastSyncError;

	public long dbSize() {
		return dbSize.get();
	}

	public long walSize() {
		return walSize.get();
	}

	public long totalWalBytes() {
		return totalWalBytes.get();
	}

	public long shadowWalIndex() {
		return shadowWalIndex.get();
	}

	public long shadowWalSize() {
		return shadowWalSize.get();
	}

	public long syncCount() {
		return syncCount.get();
	}

	public long syncErrorCount() {
		return syncErrorCount.get();
	}

	public double syncSecondsTotal() {
		return syncNanos.get() / 1e9;
	}

	public long checkpointCount() {
		return checkpointCount.get();
	}

	public long checkpointErrorCount() {
		return checkpointErrorCount.get();
	}

	public double checkpointSecondsTotal() {
		return checkpointNanos.get() / 1e9;
	}

	public long generationChanges() {
		return generationChanges.get();
	}

	public String lastGenerationChangeReason() {
		return lastGenerationChangeReason;
	}

	public Instant lastSyncAt() {
		return lastSyncAt;
	}

	public String lastSyncError() {
		return lastSyncError;
	}

}
