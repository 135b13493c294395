package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Downloads the segments of one WAL index into a file, checking on the way what Litestream leaves to
 * SQLite's silent recovery: contiguous offsets, a valid header with the snapshot's page size, every
 * frame in the header's incarnation with an unbroken checksum chain, and a commit frame at the end of
 * each segment. A violation fails naming the object; nothing is silently cut short.
 */
final class WalIndexDownload {

	private WalIndexDownload() {
	}

	static void download(ReplicaClient client, List<WalSegmentInfo> segments, Path target, int pageSize)
			throws IOException {
		try (OutputStream out = Files.newOutputStream(target)) {
			Verifier verifier = new Verifier(pageSize);
			long expectedOffset = 0;
			for (WalSegmentInfo segment : segments) {
				String key = ReplicaLayout.walSegmentKey(segment.pos());
				if (segment.offset() != expectedOffset) {
					throw new ReplicationException("wal segment " + key + " in " + client.describe()
							+ " does not start where the previous one ended (expected offset " + expectedOffset + ")");
				}
				long length;
				try (InputStream in = Lz4.decompressing(client.openWalSegment(segment.pos()))) {
					length = verifier.copy(in, out, key);
				}
				catch (InvalidWalException ex) {
					throw new ReplicationException("corrupt wal segment " + key + " in " + client.describe() + ": "
							+ ex.getMessage(), ex);
				}
				catch (IOException ex) {
					throw new ReplicationException("cannot read wal segment " + key + " from " + client.describe()
							+ ": " + ex.getMessage(), ex);
				}
				expectedOffset += length;
			}
		}
	}

	/** Streams WAL bytes through, validating the header and each frame as it passes. */
	private static final class Verifier {

		private final int pageSize;

		private WalHeader header;

		private WalChecksum checksum;

		Verifier(int pageSize) {
			this.pageSize = pageSize;
		}

		long copy(InputStream in, OutputStream out, String key) throws IOException {
			long length = 0;
			if (header == null) {
				byte[] bytes = in.readNBytes(WalHeader.SIZE);
				header = WalHeader.parse(bytes);
				if (header.pageSize() != pageSize) {
					throw new InvalidWalException("wal page size " + header.pageSize() + " differs from the snapshot's "
							+ pageSize);
				}
				checksum = header.checksum();
				out.write(bytes);
				length += bytes.length;
			}
			byte[] frame = new byte[header.frameSize()];
			boolean endsOnCommit = length == WalHeader.SIZE;
			while (true) {
				int n = in.readNBytes(frame, 0, frame.length);
				if (n == 0) {
					break;
				}
				if (n < frame.length) {
					throw new InvalidWalException("partial frame at offset " + length + " of the segment");
				}
				WalChecksum next = WalFrame.verify(header, checksum, frame);
				if (next == null) {
					throw new InvalidWalException("invalid frame (salt or checksum) at offset " + length + " of the segment");
				}
				checksum = next;
				endsOnCommit = WalFrame.parse(frame).isCommit();
				out.write(frame);
				length += n;
			}
			if (!endsOnCommit) {
				throw new InvalidWalException("segment does not end on a commit frame");
			}
			return length;
		}

	}

}
