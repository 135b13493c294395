package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.litestream4j.core.DB;
import io.litestream4j.core.DbStats;
import io.litestream4j.core.GenerationInfo;
import io.litestream4j.core.Generations;
import io.litestream4j.core.Pos;
import io.litestream4j.core.Replica;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.ReplicationException;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;
import io.litestream4j.core.SnapshotInfo;

import io.litestream4j.autoconfigure.LitestreamReplicator.ReplicatedDb;
import io.litestream4j.autoconfigure.LitestreamRestoreService.RestoreProblem;

/**
 * {@code /actuator/litestream}: status, generations and snapshots (read), and restore, snapshot and sync
 * (write; {@code management.endpoint.litestream.access=unrestricted}). Answers stay small and never carry a
 * secret.
 */
@Endpoint(id = "litestream", defaultAccess = Access.READ_ONLY)
public class LitestreamEndpoint {

	private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

	private final LitestreamReplicator replicator;

	private final LitestreamRestoreService restoreService;

	public LitestreamEndpoint(LitestreamReplicator replicator, LitestreamRestoreService restoreService) {
		this.replicator = replicator;
		this.restoreService = restoreService;
	}

	@ReadOperation
	public Map<String, Object> status() {
		List<Object> dbs = new ArrayList<>();
		for (ReplicatedDb database : this.replicator.databases()) {
			DB db = database.db();
			DbStats stats = db.stats();
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", database.name());
			entry.put("path", db.path().toString());
			entry.put("generation", db.generation());
			entry.put("position", text(db.pos()));
			entry.put("dbSize", stats.dbSize());
			entry.put("walSize", stats.walSize());
			entry.put("lastSyncAt", stats.lastSyncAt());
			entry.put("syncErrors", stats.syncErrorCount());
			List<Object> replicas = new ArrayList<>();
			for (Replica replica : db.replicas()) {
				Map<String, Object> r = new LinkedHashMap<>();
				r.put("name", replica.name());
				r.put("type", replica.client().type());
				r.put("position", text(replica.pos()));
				r.put("lagSeconds", replica.lag().toMillis() / 1000.0);
				r.put("lastSuccessAt", replica.lastSuccessAt());
				r.put("snapshotCount", replica.snapshotCount());
				r.put("newestSnapshotAt", replica.newestSnapshotAt());
				r.put("uploadedBytes", replica.uploadedBytes());
				r.put("errorCount", replica.errorCount());
				r.put("failingSince", replica.failingSince());
				r.put("lastErrorAt", replica.lastErrorAt());
				r.put("lastError", replica.lastError());
				replicas.add(r);
			}
			entry.put("replicas", replicas);
			dbs.add(entry);
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("running", this.replicator.isRunning());
		body.put("dbs", dbs);
		return body;
	}

	/** {@code generations} or {@code snapshots}, per database and replica, as the litestream commands list them. */
	@ReadOperation
	public @Nullable Map<String, Object> listing(@Selector String view) {
		boolean snapshots = view.equals("snapshots");
		if (!snapshots && !view.equals("generations")) {
			return null;
		}
		List<Object> dbs = new ArrayList<>();
		for (ReplicatedDb database : this.replicator.databases()) {
			List<Object> replicas = new ArrayList<>();
			for (Replica replica : database.db().replicas()) {
				Map<String, Object> r = new LinkedHashMap<>();
				r.put("name", replica.name());
				try {
					r.put(view, snapshots ? snapshots(replica.client()) : generations(replica.client()));
				}
				catch (IOException | RuntimeException ex) {
					r.put("error", ex.getMessage());
				}
				replicas.add(r);
			}
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", database.name());
			entry.put("path", database.db().path().toString());
			entry.put("replicas", replicas);
			dbs.add(entry);
		}
		return Map.of("dbs", dbs);
	}

	private static List<Object> generations(ReplicaClient client) {
		List<Object> list = new ArrayList<>();
		for (GenerationInfo info : new Restorer(client).generations()) {
			Map<String, Object> g = new LinkedHashMap<>();
			g.put("generation", info.generation());
			g.put("createdAt", info.createdAt());
			g.put("updatedAt", info.updatedAt());
			g.put("snapshots", info.snapshotCount());
			g.put("walSegments", info.walSegmentCount());
			list.add(g);
		}
		return list;
	}

	private static List<Object> snapshots(ReplicaClient client) throws IOException {
		List<Object> list = new ArrayList<>();
		for (String generation : client.generations()) {
			for (SnapshotInfo info : client.snapshots(generation)) {
				Map<String, Object> s = new LinkedHashMap<>();
				s.put("generation", info.generation());
				s.put("index", Generations.hex8(info.index()));
				s.put("size", info.size());
				s.put("createdAt", info.createdAt());
				list.add(s);
			}
		}
		return list;
	}

	/**
	 * {@code restore}, {@code snapshot} or {@code sync}. One operation with a selector: two write operations
	 * with the same path arity would collide.
	 */
	@WriteOperation
	public WebEndpointResponse<Object> action(@Selector String action, @Nullable String db, @Nullable String replica,
			@Nullable String source, @Nullable String timestamp, @Nullable String generation, @Nullable String index,
			@Nullable String outputPath, @Nullable Boolean overwrite, @Nullable Boolean ifDbNotExists,
			@Nullable Boolean ifReplicaExists, @Nullable Boolean live) {
		try {
			return switch (action) {
				case "restore" -> restore(new LitestreamRestoreService.Request(db, replica, source, timestamp, generation,
						index, outputPath, isTrue(overwrite), isTrue(ifDbNotExists), isTrue(ifReplicaExists),
						isTrue(live)));
				case "snapshot" -> forEachDb(db, "snapshot", (database) -> database.db().snapshot());
				case "sync" -> forEachDb(db, "sync", (database) -> database.db().syncAndWait(SYNC_TIMEOUT));
				default -> new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
			};
		}
		catch (RestoreProblem ex) {
			return problem(ex.status(), ex.getMessage());
		}
		catch (ReplicationException ex) {
			return problem(WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR, ex.getMessage());
		}
	}

	private WebEndpointResponse<Object> restore(LitestreamRestoreService.Request request) {
		RestoreResult result = this.restoreService.restore(request);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("path", result.path().toString());
		if (result.wasSkipped()) {
			body.put("skipped", result.skipped());
			return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_OK);
		}
		body.put("generation", result.generation());
		body.put("index", Generations.hex8(result.index()));
		body.put("bytes", result.bytes());
		body.put("durationMs", result.duration().toMillis());
		body.put("integrity", result.integrity());
		if (request.live()) {
			ReplicatedDb database = this.replicator.find(result.path().toString());
			body.put("live", true);
			body.put("newGeneration", (database != null) ? database.db().generation() : null);
		}
		return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_OK);
	}

	private interface DbAction {

		void run(ReplicatedDb database);

	}

	private WebEndpointResponse<Object> forEachDb(@Nullable String name, String action, DbAction body) {
		List<ReplicatedDb> targets;
		if (name != null) {
			ReplicatedDb database = this.replicator.find(name);
			if (database == null) {
				return problem(WebEndpointResponse.STATUS_BAD_REQUEST, "unknown db '" + name + "'");
			}
			targets = List.of(database);
		}
		else {
			targets = this.replicator.databases();
		}
		if (!this.replicator.isRunning()) {
			return problem(503, "replication is not running");
		}
		List<Object> done = new ArrayList<>();
		for (ReplicatedDb database : targets) {
			Instant start = Instant.now();
			body.run(database);
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("db", database.name());
			entry.put("generation", database.db().generation());
			entry.put("position", text(database.db().pos()));
			entry.put("durationMs", Duration.between(start, Instant.now()).toMillis());
			done.add(entry);
		}
		return new WebEndpointResponse<>(Map.of(action, done), WebEndpointResponse.STATUS_OK);
	}

	private static WebEndpointResponse<Object> problem(int status, String reason) {
		return new WebEndpointResponse<>(Map.of("status", status, "reason", reason), status);
	}

	private static boolean isTrue(@Nullable Boolean value) {
		return value != null && value;
	}

	private static @Nullable String text(@Nullable Pos pos) {
		return (pos != null) ? pos.toString() : null;
	}

}
