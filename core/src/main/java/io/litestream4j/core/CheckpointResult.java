package io.litestream4j.core;

/**
 * The row {@code PRAGMA wal_checkpoint} answers: whether the checkpoint could not complete, the WAL's frames
 * and how many of them are in the database file (-1 when unknown).
 */
public record CheckpointResult(boolean busy, long log, long checkpointed) {

	static final CheckpointResult BUSY = new CheckpointResult(true, -1, -1);

}
