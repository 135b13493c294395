package io.litestream4j.core;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Generation ids and the hex names Litestream v0.3 uses in object keys. */
public final class Generations {

	private static final Pattern GENERATION = Pattern.compile("[0-9a-f]{16}");

	private static final SecureRandom RANDOM = new SecureRandom();

	private Generations() {
	}

	/** A new generation id: 16 lowercase hex characters, as Litestream writes them. */
	public static String newGeneration() {
		byte[] bytes = new byte[8];
		RANDOM.nextBytes(bytes);
		return HexFormat.of().formatHex(bytes);
	}

	public static boolean isGeneration(String name) {
		return name != null && GENERATION.matcher(name).matches();
	}

	/** Lowercase hex, zero-padded to 8 digits ({@code %08x}). */
	public static String hex8(long value) {
		return String.format("%08x", value);
	}

	public static String snapshotName(long index) {
		return hex8(index) + ".snapshot.lz4";
	}

	public static String walSegmentName(long index, long offset) {
		return hex8(index) + "_" + hex8(offset) + ".wal.lz4";
	}

	/** Keeps the limits Litestream v0.3 can read back: 8 hex digits for index and offset. */
	public static void checkNameable(long index, long offset) {
		if (index > 0x7FFFFFFFL || offset > 0xFFFFFFFFL) {
			throw new IllegalStateException(
					"position " + Long.toHexString(index) + ":" + Long.toHexString(offset) + " does not fit Litestream v0.3 names");
		}
	}

}
