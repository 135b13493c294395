package io.litestream4j.core;

/**
 * SQLite's cumulative WAL checksum (two 32-bit accumulators over 8-byte chunks), immutable. Integer
 * overflow is the intended mod 2^32 arithmetic.
 */
public record WalChecksum(int s0, int s1) {

	public static final WalChecksum ZERO = new WalChecksum(0, 0);

	public WalChecksum update(boolean bigEndian, byte[] data, int offset, int length) {
		if (length % 8 != 0) {
			throw new IllegalArgumentException("checksum input must be a multiple of 8 bytes: " + length);
		}
		int a = s0;
		int b = s1;
		for (int i = offset; i < offset + length; i += 8) {
			int x = word(data, i, bigEndian);
			int y = word(data, i + 4, bigEndian);
			a += x + b;
			b += y + a;
		}
		return new WalChecksum(a, b);
	}

	private static int word(byte[] d, int i, boolean bigEndian) {
		if (bigEndian) {
			return ((d[i] & 0xff) << 24) | ((d[i + 1] & 0xff) << 16) | ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
		}
		return ((d[i + 3] & 0xff) << 24) | ((d[i + 2] & 0xff) << 16) | ((d[i + 1] & 0xff) << 8) | (d[i] & 0xff);
	}

}
