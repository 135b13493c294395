package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.litestream4j.core.OperationCounters;
import io.litestream4j.core.Payload;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.SnapshotInfo;
import io.litestream4j.core.WalSegmentInfo;

/** A replica client whose uploads can be made to fail, or to hang without an error (a silent failure). */
class ControllableReplicaClient implements ReplicaClient {

	private final ReplicaClient delegate;

	volatile boolean failing;

	volatile CountDownLatch hang;

	ControllableReplicaClient(ReplicaClient delegate) {
		this.delegate = delegate;
	}

	private void beforeWrite() throws IOException {
		CountDownLatch latch = this.hang;
		if (latch != null) {
			try {
				latch.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("interrupted");
			}
		}
		if (this.failing) {
			throw new IOException("store unavailable (test)");
		}
	}

	@Override
	public String type() {
		return this.delegate.type();
	}

	@Override
	public String describe() {
		return this.delegate.describe();
	}

	@Override
	public List<String> generations() throws IOException {
		return this.delegate.generations();
	}

	@Override
	public List<SnapshotInfo> snapshots(String generation) throws IOException {
		return this.delegate.snapshots(generation);
	}

	@Override
	public List<WalSegmentInfo> walSegments(String generation) throws IOException {
		return this.delegate.walSegments(generation);
	}

	@Override
	public void writeSnapshot(String generation, long index, Payload compressed) throws IOException {
		beforeWrite();
		this.delegate.writeSnapshot(generation, index, compressed);
	}

	@Override
	public InputStream openSnapshot(String generation, long index) throws IOException {
		return this.delegate.openSnapshot(generation, index);
	}

	@Override
	public void writeWalSegment(Pos pos, Payload compressed) throws IOException {
		beforeWrite();
		this.delegate.writeWalSegment(pos, compressed);
	}

	@Override
	public InputStream openWalSegment(Pos pos) throws IOException {
		return this.delegate.openWalSegment(pos);
	}

	@Override
	public void deleteSnapshot(String generation, long index) throws IOException {
		this.delegate.deleteSnapshot(generation, index);
	}

	@Override
	public void deleteWalSegments(List<Pos> segments) throws IOException {
		this.delegate.deleteWalSegments(segments);
	}

	@Override
	public void deleteGeneration(String generation) throws IOException {
		this.delegate.deleteGeneration(generation);
	}

	@Override
	public OperationCounters counters() {
		return this.delegate.counters();
	}

}
