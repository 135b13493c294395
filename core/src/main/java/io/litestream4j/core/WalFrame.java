package io.litestream4j.core;

import java.nio.ByteBuffer;

/** The 24-byte header of one WAL frame; the page follows it. */
public record WalFrame(int pageNumber, int commit, int salt1, int salt2, int checksum1, int checksum2) {

	public static final int HEADER_SIZE = 24;

	/** Parses the frame header at the start of {@code frame}. */
	public static WalFrame parse(byte[] frame) {
		ByteBuffer buf = ByteBuffer.wrap(frame, 0, HEADER_SIZE);
		return new WalFrame(buf.getInt(0), buf.getInt(4), buf.getInt(8), buf.getInt(12), buf.getInt(16), buf.getInt(20));
	}

	/** Whether this frame ends a transaction (its commit field holds the database size in pages). */
	public boolean isCommit() {
		return commit != 0;
	}

	/**
	 * Checks that a whole frame (header and page) belongs to the incarnation of {@code header} and continues
	 * the checksum chain from {@code previous}; returns the frame's checksum, or null when it does not.
	 */
	public static WalChecksum verify(WalHeader header, WalChecksum previous, byte[] frame) {
		WalFrame f = parse(frame);
		if (f.salt1 != header.salt1() || f.salt2 != header.salt2()) {
			return null;
		}
		WalChecksum sum = previous.update(header.bigEndianChecksum(), frame, 0, 8)
			.update(header.bigEndianChecksum(), frame, HEADER_SIZE, header.pageSize());
		if (sum.s0() != f.checksum1 || sum.s1() != f.checksum2) {
			return null;
		}
		return sum;
	}

}
