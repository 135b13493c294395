package io.litestream4j.core;

import java.time.Instant;

/** One generation in a replica, as {@code litestream generations} shows it. */
public record GenerationInfo(String generation, Instant createdAt, Instant updatedAt, long snapshotCount,
		long walSegmentCount) {
}
