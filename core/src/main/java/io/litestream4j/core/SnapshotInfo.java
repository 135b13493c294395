package io.litestream4j.core;

import java.time.Instant;

/** A snapshot object in a replica; {@code size} is the stored (compressed) size. */
public record SnapshotInfo(String generation, long index, long size, Instant createdAt) {
}
