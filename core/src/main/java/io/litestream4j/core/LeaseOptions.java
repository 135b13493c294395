package io.litestream4j.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The single-writer lease on each replica path ({@code litestream.lease.*}).
 *
 * @param enabled whether uploads take the lease first
 * @param ttl how long a lease lasts after its last renewal; it is renewed only together with uploads,
 *     once less than half of it is left
 */
public record LeaseOptions(boolean enabled, Duration ttl) {

	public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

	public static final LeaseOptions DEFAULT = new LeaseOptions(true, DEFAULT_TTL);

	public static final LeaseOptions DISABLED = new LeaseOptions(false, DEFAULT_TTL);

	public LeaseOptions {
		Objects.requireNonNull(ttl, "lease ttl");
		if (enabled) {
			DbOptions.requirePositive(ttl, "lease ttl");
		}
	}

}
