package io.litestream4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Finds how far a WAL holds committed, valid frames of one incarnation: reading stops at EOF, a partial
 * frame, a frame with other salts or a broken checksum chain. Reads one frame at a time (bounded memory).
 */
final class WalScanner {

	/** The end of the last commit frame found and the checksum chain at that point. */
	record Result(long committedEnd, WalChecksum checksum, long framesScanned) {
	}

	private WalScanner() {
	}

	static Result scan(FileChannel wal, WalHeader header, long start, WalChecksum startChecksum) throws IOException {
		int frameSize = header.frameSize();
		byte[] frame = new byte[frameSize];
		long offset = start;
		WalChecksum sum = startChecksum;
		long committedEnd = start;
		WalChecksum committedSum = startChecksum;
		long frames = 0;
		long size = wal.size();
		while (offset + frameSize <= size) {
			if (!readFully(wal, frame, offset)) {
				break;
			}
			WalChecksum next = WalFrame.verify(header, sum, frame);
			if (next == null) {
				break;
			}
			sum = next;
			offset += frameSize;
			frames++;
			if (WalFrame.parse(frame).isCommit()) {
				committedEnd = offset;
				committedSum = sum;
			}
		}
		return new Result(committedEnd, committedSum, frames);
	}

	static boolean readFully(FileChannel channel, byte[] into, long position) throws IOException {
		ByteBuffer buf = ByteBuffer.wrap(into);
		while (buf.hasRemaining()) {
			int n = channel.read(buf, position + buf.position());
			if (n < 0) {
				return false;
			}
		}
		return true;
	}

}
