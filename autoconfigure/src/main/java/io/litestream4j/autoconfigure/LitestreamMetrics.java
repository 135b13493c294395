package io.litestream4j.autoconfigure;

import java.util.HashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.DisposableBean;

import io.litestream4j.core.DB;
import io.litestream4j.core.GenerationListener;
import io.litestream4j.core.Pos;
import io.litestream4j.core.Replica;
import io.litestream4j.core.ReplicaOperation;

import io.litestream4j.autoconfigure.LitestreamReplicator.ReplicatedDb;

/**
 * Litestream's metrics under {@code litestream.*}, plus what Litestream never had: replication lag and the
 * current generation. Gauges read the engine's counters when scraped; the generation series, whose tag
 * changes, follows the engine's generation events.
 */
public final class LitestreamMetrics implements MeterBinder, DisposableBean {

	private final LitestreamReplicator replicator;

	private final Map<String, GenerationState> generations = new HashMap<>();

	public LitestreamMetrics(LitestreamReplicator replicator) {
		this.replicator = replicator;
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		for (ReplicatedDb database : this.replicator.databases()) {
			bindDb(registry, database);
		}
		synchronized (this.generations) {
			for (ReplicatedDb database : this.replicator.databases()) {
				this.generations.computeIfAbsent(registryKey(registry, database), (key) -> new GenerationState(registry, database));
			}
		}
	}

	private static String registryKey(MeterRegistry registry, ReplicatedDb database) {
		return System.identityHashCode(registry) + "/" + database.settings().path();
	}

	private void bindDb(MeterRegistry registry, ReplicatedDb database) {
		DB db = database.db();
		Tags tags = Tags.of("db", database.name());
		gauge(registry, "litestream.db.size", "Size of the database file", tags, db, (d) -> d.stats().dbSize());
		gauge(registry, "litestream.wal.size", "Size of the WAL file", tags, db, (d) -> d.stats().walSize());
		gauge(registry, "litestream.shadow.wal.index", "Index of the current shadow WAL", tags, db,
				(d) -> d.stats().shadowWalIndex());
		gauge(registry, "litestream.shadow.wal.size", "Size of the current shadow WAL", tags, db,
				(d) -> d.stats().shadowWalSize());
		counter(registry, "litestream.total.wal.bytes", "WAL bytes copied into the shadow WAL", tags, db,
				(d) -> d.stats().totalWalBytes());
		counter(registry, "litestream.sync.count", "Syncs of the WAL into the shadow WAL", tags, db,
				(d) -> d.stats().syncCount());
		counter(registry, "litestream.sync.error.count", "Failed syncs", tags, db, (d) -> d.stats().syncErrorCount());
		counter(registry, "litestream.sync.seconds", "Time spent syncing", tags, db, (d) -> d.stats().syncSecondsTotal());
		counter(registry, "litestream.checkpoint.count", "Checkpoints", tags, db, (d) -> d.stats().checkpointCount());
		counter(registry, "litestream.checkpoint.error.count", "Failed checkpoints", tags, db,
				(d) -> d.stats().checkpointErrorCount());
		counter(registry, "litestream.checkpoint.seconds", "Time spent checkpointing", tags, db,
				(d) -> d.stats().checkpointSecondsTotal());
		for (Replica replica : db.replicas()) {
			Tags replicaTags = tags.and("replica", replica.name());
			Gauge.builder("litestream.replication.lag", replica, (r) -> r.lag().toNanos() / 1e9)
				.description("Seconds since the oldest commit not yet in the replica; 0 when caught up")
				.baseUnit("seconds")
				.tags(replicaTags)
				.register(registry);
			gauge(registry, "litestream.replica.wal.index", "WAL index of the replica's position", replicaTags, replica,
					(r) -> index(r.pos()));
			gauge(registry, "litestream.replica.wal.offset", "WAL offset of the replica's position", replicaTags,
					replica, (r) -> offset(r.pos()));
			gauge(registry, "litestream.replica.snapshots", "Snapshots written by this replica", replicaTags, replica,
					Replica::snapshotCount);
			counter(registry, "litestream.replica.wal.bytes", "Bytes uploaded to the replica", replicaTags, replica,
					Replica::uploadedBytes);
			counter(registry, "litestream.replica.errors", "Failed replica operations", replicaTags, replica,
					Replica::errorCount);
			for (ReplicaOperation operation : ReplicaOperation.values()) {
				Tags operationTags = replicaTags.and("operation", operation.name());
				counter(registry, "litestream.replica.operations", "Requests made to the replica's store",
						operationTags, replica, (r) -> r.client().counters().requests(operation));
				counter(registry, "litestream.replica.operation.bytes", "Bytes moved by requests to the replica's store",
						operationTags, replica, (r) -> r.client().counters().bytes(operation));
			}
		}
	}

	private static <T> void gauge(MeterRegistry registry, String name, String description, Tags tags, T target,
			ToDoubleFunction<T> value) {
		Gauge.builder(name, target, value).description(description).tags(tags).strongReference(true).register(registry);
	}

	private static <T> void counter(MeterRegistry registry, String name, String description, Tags tags, T target,
			ToDoubleFunction<T> value) {
		FunctionCounter.builder(name, target, value).description(description).tags(tags).register(registry);
	}

	private static double index(Pos pos) {
		return (pos != null) ? pos.index() : Double.NaN;
	}

	private static double offset(Pos pos) {
		return (pos != null) ? pos.offset() : Double.NaN;
	}

	/**
	 * The info gauge {@code litestream.generation{db,generation}=1} and the changes counter of one database,
	 * kept current by the engine's generation events: the old series is removed when the generation changes.
	 */
	private static final class GenerationState implements GenerationListener {

		private final MeterRegistry registry;

		private final ReplicatedDb database;

		private String generation;

		private Gauge gauge;

		GenerationState(MeterRegistry registry, ReplicatedDb database) {
			this.registry = registry;
			this.database = database;
			database.db().addGenerationListener(this);
			String current = database.db().generation();
			if (current != null) {
				generationChanged(null, current, null);
			}
		}

		@Override
		public synchronized void generationChanged(String previous, String current, String reason) {
			if (reason != null) {
				Counter.builder("litestream.generation.changes")
					.description("Generation changes, by reason")
					.tags("db", this.database.name(), "reason", reason)
					.register(this.registry)
					.increment();
			}
			if (current.equals(this.generation)) {
				return;
			}
			if (this.gauge != null) {
				this.registry.remove(this.gauge);
			}
			this.gauge = Gauge.builder("litestream.generation", () -> 1)
				.description("1 for the current generation of the database")
				.tags("db", this.database.name(), "generation", current)
				.register(this.registry);
			this.generation = current;
		}

		void close() {
			this.database.db().removeGenerationListener(this);
		}

	}

	@Override
	public synchronized void destroy() {
		synchronized (this.generations) {
			this.generations.values().forEach(GenerationState::close);
			this.generations.clear();
		}
	}

}
