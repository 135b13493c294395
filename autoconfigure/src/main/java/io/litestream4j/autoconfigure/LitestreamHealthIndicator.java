package io.litestream4j.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.litestream4j.core.Pos;
import io.litestream4j.core.Replica;

import io.litestream4j.autoconfigure.LitestreamReplicator.ReplicatedDb;

/**
 * DOWN when a replica has been failing longer than {@code litestream.health.max-failure-duration}, when its lag
 * is above {@code litestream.health.max-lag}, or when the local position keeps advancing while the replica's
 * stays frozen, without any error, for longer than the failure threshold (the silent failure Litestream users
 * report). Details per replica.
 */
public class LitestreamHealthIndicator extends AbstractHealthIndicator {

	private final LitestreamReplicator replicator;

	private final Duration maxLag;

	private final Duration maxFailureDuration;

	private final Clock clock;

	/** Per replica: its last seen position and since when it has not moved while the local one did. */
	private final Map<Replica, Frozen> frozen = new ConcurrentHashMap<>();

	public LitestreamHealthIndicator(LitestreamReplicator replicator, Duration maxLag, Duration maxFailureDuration) {
		this(replicator, maxLag, maxFailureDuration, Clock.systemUTC());
	}

	LitestreamHealthIndicator(LitestreamReplicator replicator, Duration maxLag, Duration maxFailureDuration,
			Clock clock) {
		super("Litestream health check failed");
		this.replicator = replicator;
		this.maxLag = maxLag;
		this.maxFailureDuration = maxFailureDuration;
		this.clock = clock;
	}

	private record Frozen(Pos replicaPos, Pos localPos, Instant since) {
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		if (!this.replicator.isRunning()) {
			builder.outOfService().withDetail("reason", "replication is not running");
			return;
		}
		Instant now = this.clock.instant();
		boolean up = true;
		for (ReplicatedDb database : this.replicator.databases()) {
			Map<String, Object> replicas = new LinkedHashMap<>();
			Pos local = database.db().pos();
			for (Replica replica : database.db().replicas()) {
				Map<String, Object> details = new LinkedHashMap<>();
				Pos position = replica.pos();
				Duration lag = replica.lag();
				details.put("position", (position != null) ? position.toString() : null);
				details.put("lagSeconds", lag.toMillis() / 1000.0);
				details.put("lastSuccessAt", replica.lastSuccessAt());
				String problem = problem(replica, local, position, lag, now);
				details.put("status", (problem != null) ? "DOWN" : "UP");
				if (problem != null) {
					details.put("problem", problem);
					up = false;
				}
				replicas.put(replica.name(), details);
			}
			Map<String, Object> db = new LinkedHashMap<>();
			db.put("position", (local != null) ? local.toString() : null);
			db.put("replicas", replicas);
			builder.withDetail(database.name(), db);
		}
		if (up) {
			builder.up();
		}
		else {
			builder.down();
		}
	}

	private String problem(Replica replica, Pos local, Pos position, Duration lag, Instant now) {
		Instant failingSince = replica.failingSince();
		if (failingSince != null && Duration.between(failingSince, now).compareTo(this.maxFailureDuration) > 0) {
			return "failing since " + failingSince + ": " + replica.lastError();
		}
		if (lag.compareTo(this.maxLag) > 0) {
			return "lag " + GoDurations.format(lag) + " is above " + GoDurations.format(this.maxLag);
		}
		if (local == null || position == null) {
			this.frozen.remove(replica);
			return null;
		}
		Frozen previous = this.frozen.get(replica);
		if (position.equals(local) || previous == null || !previous.replicaPos().equals(position)) {
			// Caught up, first look, or the replica moved: start watching afresh.
			this.frozen.put(replica, new Frozen(position, local, now));
			return null;
		}
		if (!Objects.equals(previous.localPos(), local)
				&& Duration.between(previous.since(), now).compareTo(this.maxFailureDuration) > 0) {
			return "replica position frozen at " + position + " since " + previous.since()
					+ " while the local position advanced to " + local;
		}
		return null;
	}

}
