package io.litestream4j.core;

import java.util.Comparator;
import java.util.Objects;

/**
 * A position in a replicated history: generation, WAL index (one per SQLite WAL incarnation) and the
 * byte offset in that index's WAL, header included. Printed the way Litestream prints it:
 * {@code fee458928889c3a2/00000001:4152}.
 */
public record Pos(String generation, long index, long offset) implements Comparable<Pos> {

	private static final Comparator<Pos> ORDER = Comparator.comparingLong(Pos::index).thenComparingLong(Pos::offset);

	public Pos {
		Objects.requireNonNull(generation, "generation");
		if (index < 0 || offset < 0) {
			throw new IllegalArgumentException("negative index or offset: " + index + "/" + offset);
		}
	}

	/** Compares index and offset; positions of different generations are not ordered by this. */
	@Override
	public int compareTo(Pos other) {
		return ORDER.compare(this, other);
	}

	public Pos withOffset(long newOffset) {
		return new Pos(generation, index, newOffset);
	}

	@Override
	public String toString() {
		return generation + "/" + Generations.hex8(index) + ":" + offset;
	}

}
