package io.litestream4j.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.LeaseOptions;
import io.litestream4j.core.Replica;
import io.litestream4j.core.ReplicaOptions;

import io.litestream4j.autoconfigure.ReplicationSettings.DbSettings;
import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * Runs the replication of every configured database for the application's lifetime.
 * <p>
 * Phase {@value #PHASE}: below the task executors ({@code Integer.MAX_VALUE / 2}) and the web server's graceful
 * shutdown, so on stop the final sync sees the writes of the last request and the last {@code @Async} job; and
 * still before singletons (DataSource, S3Client) are destroyed. Stopping is asynchronous and bounded by
 * {@code spring.lifecycle.timeout-per-shutdown-phase}. A stopped replicator may be started again (context
 * pausing in tests).
 */
public final class LitestreamReplicator implements SmartLifecycle, DisposableBean {

	/** Just below {@code ExecutorConfigurationSupport.DEFAULT_PHASE}. */
	public static final int PHASE = Integer.MAX_VALUE / 2 - 1024;

	private static final Log logger = LogFactory.getLog(LitestreamReplicator.class);

	private final ReplicationSettings settings;

	private final LitestreamReplicaClients clients;

	private final ReentrantLock lock = new ReentrantLock();

	private final List<ReplicatedDb> databases = new ArrayList<>();

	private volatile boolean running;

	private boolean opened;

	/**
	 * Builds the engine's objects without touching any file, so metrics and health can bind to them before the
	 * replicator starts.
	 */
	public LitestreamReplicator(ReplicationSettings settings, LitestreamReplicaClients clients) {
		this(settings, clients, LeaseOptions.DEFAULT);
	}

	/** As above, with the single-writer lease settings ({@code litestream.lease.*}). */
	public LitestreamReplicator(ReplicationSettings settings, LitestreamReplicaClients clients, LeaseOptions lease) {
		this.settings = settings;
		this.clients = clients;
		for (DbSettings dbSettings : settings.dbs()) {
			DB db = new DB(dbOptions(dbSettings), lease);
			for (ReplicaSettings replica : dbSettings.replicas()) {
				db.addReplica(replicaOptions(replica), clients.get(replica));
			}
			this.databases.add(new ReplicatedDb(dbSettings, db));
		}
	}

	/**
	 * A running database with its settings.
	 *
	 * @param settings the settings it was built from
	 * @param db the engine's database
	 */
	public record ReplicatedDb(DbSettings settings, DB db) {

		public String name() {
			return this.settings.name();
		}

		public @Nullable Replica replica(String name) {
			for (Replica replica : this.db.replicas()) {
				if (replica.name().equals(name)) {
					return replica;
				}
			}
			return null;
		}

		public ReplicaSettings replicaSettings(String name) {
			return this.settings.replicas()
				.stream()
				.filter((replica) -> replica.name().equals(name))
				.findFirst()
				.orElseThrow();
		}

	}

	@Override
	public void start() {
		this.lock.lock();
		try {
			if (this.running) {
				return;
			}
			if (!this.opened) {
				open();
			}
			for (ReplicatedDb database : this.databases) {
				database.db().start();
			}
			this.running = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Opens each database once: its own connection, WAL mode, shadow state; then says where it replicates to. */
	private void open() {
		if (this.databases.isEmpty()) {
			logger.info("No database to replicate (" + this.settings.source() + " configures none)");
		}
		List<ReplicatedDb> opened = new ArrayList<>();
		try {
			for (ReplicatedDb database : this.databases) {
				database.db().open();
				opened.add(database);
				for (ReplicaSettings replica : database.settings().replicas()) {
					logger.info("replicating to: " + this.clients.describe(replica));
				}
			}
		}
		catch (RuntimeException ex) {
			opened.forEach((database) -> closeQuietly(database.db()));
			throw ex;
		}
		this.opened = true;
	}

	static DbOptions dbOptions(DbSettings settings) {
		return DbOptions.defaults(settings.path())
			.withMonitorInterval(settings.monitorInterval())
			.withCheckpointInterval(settings.checkpointInterval())
			.withCheckpointPageCounts(settings.minCheckpointPageCount(), settings.maxCheckpointPageCount());
	}

	static ReplicaOptions replicaOptions(ReplicaSettings settings) {
		return ReplicaOptions.defaults(settings.name())
			.withSyncInterval(settings.syncInterval())
			.withSnapshotInterval(settings.snapshotInterval())
			.withRetention(settings.retention(), settings.retentionCheckInterval());
	}

	@Override
	public void stop() {
		this.lock.lock();
		try {
			if (!this.running) {
				return;
			}
			for (ReplicatedDb database : this.databases) {
				try {
					// The final sync: everything committed so far goes to every replica.
					database.db().stop();
				}
				catch (RuntimeException ex) {
					logger.error("Final sync of " + database.settings().path() + " failed; the replicas may miss the "
							+ "last writes: " + ex.getMessage(), ex);
				}
			}
			this.running = false;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void stop(Runnable callback) {
		// Other lifecycle beans of this phase stop in parallel; the phase timeout bounds us.
		Thread thread = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, "litestream-shutdown");
		thread.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/** The databases, in configuration order. */
	public List<ReplicatedDb> databases() {
		this.lock.lock();
		try {
			return List.copyOf(this.databases);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The database with this file name or path; the only one when {@code nameOrPath} is null. */
	public @Nullable ReplicatedDb find(@Nullable String nameOrPath) {
		List<ReplicatedDb> all = databases();
		if (nameOrPath == null) {
			return (all.size() == 1) ? all.get(0) : null;
		}
		DbSettings wanted = this.settings.find(nameOrPath);
		return all.stream().filter((database) -> database.settings() == wanted).findFirst().orElse(null);
	}

	@Override
	public void destroy() {
		stop();
		this.lock.lock();
		try {
			if (this.opened) {
				this.databases.forEach((database) -> closeQuietly(database.db()));
				this.opened = false;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private static void closeQuietly(DB db) {
		try {
			db.close();
		}
		catch (RuntimeException ex) {
			logger.warn("Closing the replication of " + db.path() + " failed: " + ex.getMessage(), ex);
		}
	}

}
