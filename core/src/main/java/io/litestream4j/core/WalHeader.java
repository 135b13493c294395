package io.litestream4j.core;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The 32-byte header of a SQLite WAL file. Its salts identify one WAL incarnation: every frame of that
 * incarnation carries them, and a WAL restart changes them.
 */
public record WalHeader(byte[] bytes, boolean bigEndianChecksum, int pageSize, int checkpointSequence, int salt1,
		int salt2, int checksum1, int checksum2) {

	public static final int SIZE = 32;

	static final int MAGIC_LITTLE_ENDIAN = 0x377f0682;

	static final int MAGIC_BIG_ENDIAN = 0x377f0683;

	static final int FORMAT_VERSION = 3007000;

	/** Parses and verifies a header; throws {@link InvalidWalException} when it is not a valid WAL header. */
	public static WalHeader parse(byte[] header) {
		if (header.length < SIZE) {
			throw new InvalidWalException("wal header too short: " + header.length + " bytes");
		}
		ByteBuffer buf = ByteBuffer.wrap(header, 0, SIZE);
		int magic = buf.getInt(0);
		if (magic != MAGIC_LITTLE_ENDIAN && magic != MAGIC_BIG_ENDIAN) {
			throw new InvalidWalException("invalid wal magic: " + Integer.toHexString(magic));
		}
		if (buf.getInt(4) != FORMAT_VERSION) {
			throw new InvalidWalException("unsupported wal format version: " + buf.getInt(4));
		}
		int pageSize = buf.getInt(8);
		if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
			throw new InvalidWalException("invalid wal page size: " + pageSize);
		}
		boolean bigEndian = magic == MAGIC_BIG_ENDIAN;
		WalChecksum expected = WalChecksum.ZERO.update(bigEndian, header, 0, 24);
		int ck1 = buf.getInt(24);
		int ck2 = buf.getInt(28);
		if (expected.s0() != ck1 || expected.s1() != ck2) {
			throw new InvalidWalException("invalid wal header checksum");
		}
		return new WalHeader(Arrays.copyOf(header, SIZE), bigEndian, pageSize, buf.getInt(12), buf.getInt(16),
				buf.getInt(20), ck1, ck2);
	}

	public int frameSize() {
		return WalFrame.HEADER_SIZE + pageSize;
	}

	/** The checksum the first frame continues from. */
	public WalChecksum checksum() {
		return new WalChecksum(checksum1, checksum2);
	}

	/** The offset of the end of the last whole frame at or before {@code offset} (Litestream's align). */
	public long alignToFrame(long offset) {
		if (offset < SIZE) {
			return 0;
		}
		return SIZE + ((offset - SIZE) / frameSize()) * frameSize();
	}

	/** Byte size of a WAL with this page size holding {@code frames} frames. */
	public long sizeOf(long frames) {
		return SIZE + frames * frameSize();
	}

	public boolean sameAs(WalHeader other) {
		return other != null && Arrays.equals(bytes, other.bytes);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof WalHeader other && sameAs(other);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(bytes);
	}

	@Override
	public String toString() {
		return "WalHeader[pageSize=" + pageSize + ", seq=" + checkpointSequence + ", salt1="
				+ Integer.toHexString(salt1) + ", salt2=" + Integer.toHexString(salt2) + "]";
	}

}
