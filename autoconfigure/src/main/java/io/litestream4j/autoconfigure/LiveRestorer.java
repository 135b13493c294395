package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

import io.litestream4j.core.DB;
import io.litestream4j.core.RestoreResult;

import io.litestream4j.autoconfigure.LitestreamReplicator.ReplicatedDb;
import io.litestream4j.autoconfigure.LitestreamRestoreService.RestoreProblem;

/**
 * Restores the application's own database in place, without a restart: the backup is first restored and checked
 * beside the database while the application keeps running; then replication of that database stops (after a
 * final sync of the old history), the application's pool is suspended and emptied, {@code -wal}/{@code -shm} are
 * removed, the file is swapped atomically, and pool and replication resume. The replicator sees a replaced
 * file and starts a new generation.
 */
final class LiveRestorer {

	private static final Log logger = LogFactory.getLog(LiveRestorer.class);

	private static final boolean HIKARI_PRESENT = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource",
			LiveRestorer.class.getClassLoader());

	private static final Duration QUIESCE_TIMEOUT = Duration.ofSeconds(30);

	private final LitestreamReplicator replicator;

	private final Supplier<List<DataSource>> dataSources;

	LiveRestorer(LitestreamReplicator replicator, Supplier<List<DataSource>> dataSources) {
		this.replicator = replicator;
		this.dataSources = dataSources;
	}

	/**
	 * @param database the database to replace
	 * @param restoreBeside restores into the given temporary file and returns the result
	 */
	RestoreResult restore(ReplicatedDb database, java.util.function.Function<Path, RestoreResult> restoreBeside) {
		Path target = database.settings().path();
		Path temporary = target.resolveSibling("." + target.getFileName() + ".live-restore-" + System.nanoTime());
		Pool pool = pool(target);
		try {
			RestoreResult result = restoreBeside.apply(temporary);
			if (result.wasSkipped()) {
				throw new RestoreProblem(404, "nothing to restore: " + result.skipped());
			}
			swap(database, pool, temporary);
			logger.info("Restored " + target + " live from generation " + result.generation() + " index "
					+ result.index() + "; replication continues in a new generation");
			return new RestoreResult(target, result.generation(), result.index(), result.bytes(), result.duration(),
					result.integrity(), null);
		}
		finally {
			try {
				Files.deleteIfExists(temporary);
			}
			catch (IOException ex) {
				logger.warn("Could not remove " + temporary + ": " + ex);
			}
		}
	}

	private void swap(ReplicatedDb database, @Nullable Pool pool, Path temporary) {
		Path target = database.settings().path();
		DB db = database.db();
		boolean wasRunning = db.isRunning();
		// Final sync of the old history, then no replicator thread touches the file.
		db.stop();
		try {
			try {
				if (pool != null) {
					pool.suspendAndDrain(target);
				}
				// A WAL left beside the new file would be applied to it by the next connection.
				Files.deleteIfExists(target.resolveSibling(target.getFileName() + "-wal"));
				Files.deleteIfExists(target.resolveSibling(target.getFileName() + "-shm"));
				try {
					Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
				}
				catch (AtomicMoveNotSupportedException ex) {
					throw new IOException("cannot swap " + target + " atomically (" + ex.getMessage() + ")", ex);
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException("Live restore of " + target + " failed while swapping files: " + ex, ex);
			}
			finally {
				if (pool != null) {
					pool.resume();
				}
			}
		}
		finally {
			if (wasRunning) {
				db.start();
				// Let the new generation begin now rather than at the next tick, so the answer can be relied on.
				try {
					db.sync();
				}
				catch (RuntimeException ex) {
					logger.warn("First sync after the live restore of " + target + " failed: " + ex.getMessage());
				}
			}
		}
	}

	private @Nullable Pool pool(Path target) {
		for (DataSource dataSource : this.dataSources.get()) {
			if (HIKARI_PRESENT && dataSource instanceof HikariDataSource hikari) {
				Path path = ReplicationSettingsResolver.sqlitePath(hikari.getJdbcUrl());
				if (target.equals(path)) {
					if (!hikari.isAllowPoolSuspension()) {
						throw new RestoreProblem(409, "the connection pool of " + target + " cannot be suspended; "
								+ "set spring.datasource.hikari.allow-pool-suspension=true");
					}
					return new Pool(hikari);
				}
			}
			else if (isSqliteOn(dataSource, target)) {
				throw new RestoreProblem(409, "the DataSource of " + target + " is not a Hikari pool; "
						+ "litestream4j cannot quiesce it for a live restore");
			}
		}
		return null;
	}

	private static boolean isSqliteOn(DataSource dataSource, Path target) {
		try {
			Object url = dataSource.getClass().getMethod("getUrl").invoke(dataSource);
			return url instanceof String text && target.equals(ReplicationSettingsResolver.sqlitePath(text));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return false;
		}
	}

	/** The application's Hikari pool, suspended while the file is swapped. */
	private static final class Pool {

		private final HikariDataSource dataSource;

		private boolean suspended;

		Pool(HikariDataSource dataSource) {
			this.dataSource = dataSource;
		}

		void suspendAndDrain(Path target) {
			HikariPoolMXBean pool = this.dataSource.getHikariPoolMXBean();
			if (pool == null) {
				// The pool has not started: there is no connection to drain.
				return;
			}
			pool.suspendPool();
			this.suspended = true;
			pool.softEvictConnections();
			long deadline = System.nanoTime() + QUIESCE_TIMEOUT.toNanos();
			while (pool.getTotalConnections() > 0) {
				if (System.nanoTime() > deadline) {
					throw new RestoreProblem(409, pool.getActiveConnections() + " connection(s) to " + target
							+ " stayed in use for " + GoDurations.format(QUIESCE_TIMEOUT) + "; nothing was changed");
				}
				pool.softEvictConnections();
				try {
					Thread.sleep(20);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new RestoreProblem(503, "interrupted while waiting for connections to " + target);
				}
			}
		}

		void resume() {
			if (this.suspended) {
				this.dataSource.getHikariPoolMXBean().resumePool();
				this.suspended = false;
			}
		}

	}

}
