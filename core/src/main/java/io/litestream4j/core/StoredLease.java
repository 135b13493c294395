package io.litestream4j.core;

/**
 * A lease as read from a replica, with the version a conditional replace must name (an S3 ETag, or a
 * content hash for file replicas).
 */
public record StoredLease(Lease lease, String version) {
}
