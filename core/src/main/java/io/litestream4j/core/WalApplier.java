package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * Applies WAL bytes to a database image directly, page by page, instead of handing each WAL index to
 * SQLite for a checkpoint: the same bytes result (every frame is a whole page image, the newest wins,
 * and each commit frame sets the database size), with one pass and no connection per index. Checks on
 * the way what Litestream leaves to SQLite's silent recovery: a valid header with the snapshot's page
 * size, every frame in the header's incarnation with an unbroken checksum chain, and each segment ending
 * on a commit frame. A violation fails naming the object; nothing is cut short silently.
 */
final class WalApplier implements AutoCloseable {

	private final RandomAccessFile image;

	private final int pageSize;

	private WalHeader header;

	private WalChecksum checksum;

	private long offset;

	WalApplier(Path database, int pageSize) throws IOException {
		this.image = new RandomAccessFile(database.toFile(), "rw");
		this.pageSize = pageSize;
	}

	/** Starts a new WAL index: its first segment must begin with the header. */
	void startIndex() {
		header = null;
		checksum = null;
		offset = 0;
	}

	long offset() {
		return offset;
	}

	/** Applies one decompressed segment that continues the current index at {@link #offset()}. */
	void apply(InputStream segment) throws IOException {
		long start = offset;
		if (header == null) {
			byte[] bytes = segment.readNBytes(WalHeader.SIZE);
			header = WalHeader.parse(bytes);
			if (header.pageSize() != pageSize) {
				throw new InvalidWalException("wal page size " + header.pageSize() + " differs from the snapshot's " + pageSize);
			}
			checksum = header.checksum();
			offset += bytes.length;
		}
		byte[] frame = new byte[header.frameSize()];
		boolean endsOnCommit = offset - start == WalHeader.SIZE;
		while (true) {
			int n = segment.readNBytes(frame, 0, frame.length);
			if (n == 0) {
				break;
			}
			if (n < frame.length) {
				throw new InvalidWalException("partial frame at offset " + (offset - start) + " of the segment");
			}
			WalChecksum next = WalFrame.verify(header, checksum, frame);
			if (next == null) {
				throw new InvalidWalException("invalid frame (salt or checksum) at offset " + (offset - start) + " of the segment");
			}
			checksum = next;
			WalFrame parsed = WalFrame.parse(frame);
			image.seek((long) (parsed.pageNumber() - 1) * pageSize);
			image.write(frame, WalFrame.HEADER_SIZE, pageSize);
			if (parsed.isCommit()) {
				image.setLength((long) Integer.toUnsignedLong(parsed.commit()) * pageSize);
			}
			endsOnCommit = parsed.isCommit();
			offset += n;
		}
		if (!endsOnCommit) {
			throw new InvalidWalException("segment does not end on a commit frame");
		}
	}

	@Override
	public void close() throws IOException {
		image.getFD().sync();
		image.close();
	}

}
