package io.litestream4j.core;

import java.time.Instant;

/** A WAL segment object in a replica; {@code size} is the stored (compressed) size. */
public record WalSegmentInfo(String generation, long index, long offset, long size, Instant createdAt) {

	public Pos pos() {
		return new Pos(generation, index, offset);
	}

}
