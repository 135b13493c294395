package io.litestream4j.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The storage contract of a replica, in Litestream v0.3's layout:
 * {@code <root>/generations/<gen>/snapshots/<index:08x>.snapshot.lz4} and
 * {@code <root>/generations/<gen>/wal/<index:08x>_<offset:08x>.wal.lz4}. Objects are stored and returned
 * as they are kept (LZ4 frames); compression happens above this interface.
 */
public interface ReplicaClient extends Closeable {

	/** {@code file} or {@code s3}. */
	String type();

	/** Where the replica lives, for log lines and errors; never contains a secret. */
	String describe();

	/** Generation ids present in the replica, in no particular order. */
	List<String> generations() throws IOException;

	/** Snapshots of a generation, sorted by index. */
	List<SnapshotInfo> snapshots(String generation) throws IOException;

	/** WAL segments of a generation, sorted by index then offset. */
	List<WalSegmentInfo> walSegments(String generation) throws IOException;

	void writeSnapshot(String generation, long index, Payload compressed) throws IOException;

	/** The stored (compressed) bytes of a snapshot. */
	InputStream openSnapshot(String generation, long index) throws IOException;

	void writeWalSegment(Pos pos, Payload compressed) throws IOException;

	/** The stored (compressed) bytes of a WAL segment. */
	InputStream openWalSegment(Pos pos) throws IOException;

	void deleteSnapshot(String generation, long index) throws IOException;

	void deleteWalSegments(List<Pos> segments) throws IOException;

	void deleteGeneration(String generation) throws IOException;

	OperationCounters counters();

	/** Whether {@link #readLease()} and {@link #writeLease} work; without them uploads take no lease. */
	default boolean supportsLease() {
		return false;
	}

	/** The replica's {@code lease.json} and its version, or null when there is none. */
	default StoredLease readLease() throws IOException {
		throw new UnsupportedOperationException(type() + " replica does not support leases");
	}

	/**
	 * Writes {@code lease.json} conditionally: only when absent if {@code expectedVersion} is null (S3's
	 * {@code If-None-Match: *}), else only while its version is still {@code expectedVersion}
	 * ({@code If-Match}).
	 * @return the new version, or null when the condition failed (someone else wrote or removed it)
	 */
	default String writeLease(Lease lease, String expectedVersion) throws IOException {
		throw new UnsupportedOperationException(type() + " replica does not support leases");
	}

	@Override
	default void close() throws IOException {
	}

}
