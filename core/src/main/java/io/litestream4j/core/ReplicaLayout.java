package io.litestream4j.core;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Litestream v0.3's relative key layout under a replica root, shared by every replica client. Names
 * that do not match exactly (other widths, uppercase, directory markers) are ignored, as Litestream
 * does.
 */
public final class ReplicaLayout {

	private static final Pattern SNAPSHOT = Pattern.compile("^([0-9a-f]{8})\\.snapshot\\.lz4$");

	private static final Pattern WAL_SEGMENT = Pattern.compile("^([0-9a-f]{8})_([0-9a-f]{8})\\.wal\\.lz4$");

	private ReplicaLayout() {
	}

	public static String generationsDir() {
		return "generations";
	}

	public static String generationDir(String generation) {
		return "generations/" + generation;
	}

	public static String snapshotsDir(String generation) {
		return generationDir(generation) + "/snapshots";
	}

	public static String walDir(String generation) {
		return generationDir(generation) + "/wal";
	}

	public static String snapshotKey(String generation, long index) {
		return snapshotsDir(generation) + "/" + Generations.snapshotName(index);
	}

	public static String walSegmentKey(Pos pos) {
		Generations.checkNameable(pos.index(), pos.offset());
		return walDir(pos.generation()) + "/" + Generations.walSegmentName(pos.index(), pos.offset());
	}

	/** The index of a snapshot file name, or empty for a foreign name. */
	public static OptionalLong parseSnapshotName(String name) {
		Matcher m = SNAPSHOT.matcher(name);
		return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1), 16)) : OptionalLong.empty();
	}

	/** {index, offset} of a WAL segment file name, or null for a foreign name. */
	public static long[] parseWalSegmentName(String name) {
		Matcher m = WAL_SEGMENT.matcher(name);
		return m.matches() ? new long[] { Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16) } : null;
	}

	/** Joins a root prefix and a relative key like Go's path.Join: single slashes, none leading or trailing. */
	public static String join(String root, String relative) {
		String joined = (root == null ? "" : root) + "/" + relative;
		String collapsed = joined.replaceAll("/+", "/");
		if (collapsed.startsWith("/")) {
			collapsed = collapsed.substring(1);
		}
		if (collapsed.endsWith("/")) {
			collapsed = collapsed.substring(0, collapsed.length() - 1);
		}
		return collapsed;
	}

}
