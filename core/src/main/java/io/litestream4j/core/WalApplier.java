package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Applies WAL bytes to a database image directly, page by page, instead of handing each WAL index to
 * SQLite for a checkpoint: the same bytes result (every frame is a whole page image, the newest wins,
 * and each commit frame sets the database size), with one pass and no connection per index. Checks on
 * the way what Litestream leaves to SQLite's silent recovery: a valid header with the snapshot's page
 * size, every frame in the header's incarnation with an unbroken checksum chain, and each segment ending
 * on a commit frame. A violation fails naming the object; nothing is cut short silently.
 * <p>
 * Pages are collected in a bounded cache (the newest image of each page) and written when it fills and
 * at {@link #close()}, sorted and coalesced, so a page rewritten by many transactions is written once and
 * the commits' size changes become at most two truncations per flush. The result is the same as applying
 * frame by frame: a commit that shrinks the database drops the cached pages above it and the flush first
 * truncates to the smallest such size, so pages cut off and not written again read as zeros.
 * Nothing is synced; the caller syncs the finished file once.
 */
final class WalApplier implements AutoCloseable {

	/** Bytes of page images kept before a flush. */
	static final int DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;

	private final FileChannel image;

	private final int pageSize;

	private final int maxCachedPages;

	private final Map<Integer, byte[]> cache = new HashMap<>();

	/** The database size in pages set by the last commit; -1 while no commit was applied since a flush. */
	private long sizePages = -1;

	/** The smallest size a commit set since the last flush, where the file must be cut first. */
	private long truncatePages = Long.MAX_VALUE;

	/** The highest page written since the last commit: frames extend the file before their commit sizes it. */
	private long highestSinceCommit;

	/** No cached page is above this one. */
	private long highestCached;

	private WalHeader header;

	private WalChecksum checksum;

	private byte[] frame;

	private long offset;

	WalApplier(Path database, int pageSize) throws IOException {
		this(database, pageSize, DEFAULT_CACHE_BYTES);
	}

	WalApplier(Path database, int pageSize, int cacheBytes) throws IOException {
		this.image = FileChannel.open(database, StandardOpenOption.READ, StandardOpenOption.WRITE);
		this.pageSize = pageSize;
		this.maxCachedPages = Math.max(1, cacheBytes / pageSize);
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
		if (frame == null || frame.length != header.frameSize()) {
			frame = new byte[header.frameSize()];
		}
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
			int pageNumber = readInt(frame, 0);
			int commit = readInt(frame, 4);
			put(pageNumber, frame);
			if (commit != 0) {
				commitSize(Integer.toUnsignedLong(commit));
			}
			endsOnCommit = commit != 0;
			offset += n;
		}
		if (!endsOnCommit) {
			throw new InvalidWalException("segment does not end on a commit frame");
		}
	}

	private void put(int pageNumber, byte[] frameBytes) throws IOException {
		byte[] page = cache.get(pageNumber);
		if (page == null) {
			if (cache.size() >= maxCachedPages) {
				flush();
			}
			page = new byte[pageSize];
			cache.put(pageNumber, page);
		}
		System.arraycopy(frameBytes, WalFrame.HEADER_SIZE, page, 0, pageSize);
		long number = Integer.toUnsignedLong(pageNumber);
		highestSinceCommit = Math.max(highestSinceCommit, number);
		highestCached = Math.max(highestCached, number);
	}

	private void commitSize(long pages) {
		sizePages = pages;
		highestSinceCommit = 0;
		if (pages < truncatePages) {
			truncatePages = pages;
		}
		if (highestCached > pages) {
			cache.keySet().removeIf(page -> Integer.toUnsignedLong(page) > pages);
			highestCached = pages;
		}
	}

	/** Writes the cached pages and sizes the file as frame-by-frame application would have. */
	private void flush() throws IOException {
		if (truncatePages != Long.MAX_VALUE && truncatePages * pageSize < image.size()) {
			image.truncate(truncatePages * pageSize);
		}
		int[] pages = new int[cache.size()];
		int i = 0;
		for (Integer page : cache.keySet()) {
			pages[i++] = page;
		}
		Arrays.sort(pages);
		// Consecutive pages go out in one gathering write.
		int runStart = 0;
		while (runStart < pages.length) {
			int runEnd = runStart + 1;
			while (runEnd < pages.length && pages[runEnd] == pages[runEnd - 1] + 1 && runEnd - runStart < 256) {
				runEnd++;
			}
			ByteBuffer[] buffers = new ByteBuffer[runEnd - runStart];
			for (int j = runStart; j < runEnd; j++) {
				buffers[j - runStart] = ByteBuffer.wrap(cache.get(pages[j]));
			}
			image.position((long) (pages[runStart] - 1) * pageSize);
			long remaining = (long) buffers.length * pageSize;
			while (remaining > 0) {
				remaining -= image.write(buffers);
			}
			runStart = runEnd;
		}
		cache.clear();
		highestCached = 0;
		if (sizePages >= 0) {
			long length = Math.max(sizePages, highestSinceCommit) * pageSize;
			if (image.size() > length) {
				image.truncate(length);
			}
			else if (image.size() < length) {
				// Extends with zeros, as setting the length does.
				image.write(ByteBuffer.allocate(1), length - 1);
			}
		}
		truncatePages = Long.MAX_VALUE;
		sizePages = -1;
	}

	private static int readInt(byte[] b, int at) {
		return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
	}

	/** Writes what is cached; the file is not synced. */
	@Override
	public void close() throws IOException {
		try {
			flush();
		}
		finally {
			image.close();
		}
	}

}
