package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.InitializingBean;

import io.litestream4j.core.GenerationInfo;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.Restorer;

import io.litestream4j.autoconfigure.LitestreamProperties.RestoreOnStartup;
import io.litestream4j.autoconfigure.ReplicationSettings.DbSettings;
import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * Restores each missing database from its replica while the context starts, what the seed's entrypoint did with
 * {@code litestream restore -if-db-not-exists -if-replica-exists}. The DataSource and every database initializer
 * (Flyway, Liquibase, JPA, schema scripts) are made to depend on this bean, so nothing opens the file first.
 */
public final class LitestreamStartupRestorer implements InitializingBean {

	/** The bean name that the DataSource and the database initializers depend on. */
	public static final String BEAN_NAME = "litestreamRestorer";

	private static final Log logger = LogFactory.getLog(LitestreamStartupRestorer.class);

	private final ReplicationSettings settings;

	private final LitestreamReplicaClients clients;

	private final RestoreOnStartup mode;

	public LitestreamStartupRestorer(ReplicationSettings settings, LitestreamReplicaClients clients,
			RestoreOnStartup mode) {
		this.settings = settings;
		this.clients = clients;
		this.mode = mode;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.mode == RestoreOnStartup.NEVER) {
			return;
		}
		for (DbSettings db : this.settings.dbs()) {
			restoreIfMissing(db);
		}
	}

	private void restoreIfMissing(DbSettings db) {
		if (Files.exists(db.path()) || db.replicas().isEmpty()) {
			return;
		}
		removeStaleWal(db.path());
		// Like `litestream restore`, take the replica whose newest generation was written last.
		ReplicaSettings best = null;
		Instant bestAt = null;
		for (ReplicaSettings replica : db.replicas()) {
			List<GenerationInfo> generations;
			try {
				generations = new Restorer(this.clients.get(replica)).generations();
			}
			catch (RuntimeException ex) {
				// Starting empty while a backup may exist would fork the history: better not start.
				throw new IllegalStateException("Cannot restore " + db.path() + " at startup: listing replica '"
						+ replica.name() + "' (" + replica.key() + ") failed: " + ex.getMessage()
						+ "; set litestream.restore-on-startup=never to start without it", ex);
			}
			for (GenerationInfo generation : generations) {
				if (bestAt == null || (generation.updatedAt() != null && generation.updatedAt().isAfter(bestAt))) {
					best = replica;
					bestAt = (generation.updatedAt() != null) ? generation.updatedAt() : Instant.EPOCH;
				}
			}
		}
		if (best == null) {
			logger.info("No backup of " + db.path() + " in its replicas; starting with a new database");
			return;
		}
		ReplicaClient client = this.clients.get(best);
		RestoreResult result;
		try {
			result = new Restorer(client)
				.restore(RestoreOptions.latest(db.path()).withIfDbNotExists(true).withIfReplicaExists(true));
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("Restoring " + db.path() + " from replica '" + best.name() + "' ("
					+ client.describe() + ") at startup failed: " + ex.getMessage(), ex);
		}
		if (result.wasSkipped()) {
			logger.info("Restore of " + db.path() + " skipped: " + result.skipped());
			return;
		}
		logger.info("Restored " + db.path() + " from replica '" + best.name() + "': generation=" + result.generation()
				+ " index=" + result.index() + " bytes=" + result.bytes() + " in "
				+ GoDurations.format(result.duration()));
	}

	/** A WAL without its database belongs to no database we could restore; SQLite would apply it to ours. */
	private static void removeStaleWal(Path db) {
		for (String suffix : new String[] { "-wal", "-shm" }) {
			Path file = db.resolveSibling(db.getFileName() + suffix);
			try {
				if (Files.deleteIfExists(file)) {
					logger.warn("Removed " + file + ": left without its database " + db);
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException("Cannot remove stale " + file + " before restoring " + db + ": " + ex, ex);
			}
		}
	}

}
