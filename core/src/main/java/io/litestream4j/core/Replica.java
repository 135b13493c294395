package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One destination of one database. Uploads what the shadow WAL holds beyond its position as one LZ4
 * segment per sync, at most once per sync-interval and only after a change, so an idle database makes
 * no request. The position advances only after a successful upload; failures are retried with backoff.
 * Also takes snapshots (at a new generation and every snapshot-interval) and enforces retention.
 */
public final class Replica {

	private static final Logger log = LoggerFactory.getLogger(Replica.class);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

	private final DB db;

	private final ReplicaOptions options;

	private final ReplicaClient client;

	private final Object syncLock = new Object();

	private volatile Pos pos;

	private ScheduledExecutorService executor;

	private ScheduledFuture<?> scheduledSync;

	private long lastUploadStartNanos;

	private int consecutiveFailures;

	private volatile Instant lastSuccessAt;

	private volatile Instant lastErrorAt;

	private volatile Instant failingSince;

	private volatile String lastError;

	private volatile Instant newestSnapshotAt;

	private final Object leaseLock = new Object();

	private ReplicaLease lease;

	/** While another instance holds the lease: when it expires, the earliest useful retry. */
	private volatile Instant leaseHeldUntil;

	private final AtomicLong errorCount = new AtomicLong();

	private final AtomicLong uploadedBytes = new AtomicLong();

	private final AtomicLong snapshotCount = new AtomicLong();

	Replica(DB db, ReplicaOptions options, ReplicaClient client) {
		this.db = db;
		this.options = options;
		this.client = client;
	}

	public String name() {
		return options.name();
	}

	public ReplicaOptions options() {
		return options;
	}

	public ReplicaClient client() {
		return client;
	}

	public DB db() {
		return db;
	}

	/** The position known to be stored in the replica; null until the first sync. */
	public Pos pos() {
		return pos;
	}

	/** Time since the oldest commit that is not yet in this replica; zero when caught up. */
	public Duration lag() {
		return db.lagOf(pos);
	}

	public Instant lastSuccessAt() {
		return lastSuccessAt;
	}

	public Instant lastErrorAt() {
		return lastErrorAt;
	}

	/** When the current run of failures began; null while the replica works. */
	public Instant failingSince() {
		return failingSince;
	}

	public String lastError() {
		return lastError;
	}

	public long errorCount() {
		return errorCount.get();
	}

	public long uploadedBytes() {
		return uploadedBytes.get();
	}

	public long snapshotCount() {
		return snapshotCount.get();
	}

	public Instant newestSnapshotAt() {
		return newestSnapshotAt;
	}

	/** Until when this instance holds its replica path's lease; null when it holds none or leases are off. */
	public Instant leaseHeldUntil() {
		ReplicaLease current = leaseIfEnabled();
		return current == null ? null : current.heldUntil();
	}

	/** The single-writer lease of this replica's path, or null when disabled or unsupported by the client. */
	private ReplicaLease leaseIfEnabled() {
		// Own lock, not this object's monitor: stop() holds that while waiting for the upload thread.
		synchronized (leaseLock) {
			if (lease == null && db.leaseOptions().enabled() && client.supportsLease()) {
				lease = new ReplicaLease(client, db.leaseOptions().ttl(), db.leaseHolderId(),
						"replica " + name() + " of db " + db.path(), Clock.systemUTC());
			}
			return lease;
		}
	}

	/** Before anything is written to the replica: make sure no other instance writes to the same path. */
	private void ensureLease() throws IOException {
		ReplicaLease current = leaseIfEnabled();
		if (current == null) {
			return;
		}
		// Cleared first: any other failure (the store down) must retry on the backoff schedule, not at a
		// stale expiry.
		leaseHeldUntil = null;
		try {
			current.ensureHeld();
		}
		catch (LeaseHeldException ex) {
			leaseHeldUntil = ex.holder().expiresAt();
			throw ex;
		}
	}

	// --- loop -----------------------------------------------------------------------------------

	synchronized void start() {
		if (executor != null) {
			return;
		}
		ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1,
				runnable -> daemon(runnable, "litestream-" + db.name() + "-" + name()));
		// On stop an upload in flight finishes; delayed and periodic work is dropped (the final sync follows).
		pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
		executor = pool;
		scheduledSync = executor.schedule(this::loopSync, 0, TimeUnit.MILLISECONDS);
		if (!options.snapshotInterval().isZero()) {
			long period = options.snapshotInterval().toMillis();
			executor.scheduleAtFixedRate(this::loopSnapshot, period, period, TimeUnit.MILLISECONDS);
		}
		if (!options.retention().isZero()) {
			Duration check = options.retentionCheckInterval().isZero() ? options.retention()
					: min(options.retentionCheckInterval(), options.retention());
			executor.scheduleAtFixedRate(this::loopRetention, check.toMillis(), check.toMillis(),
					TimeUnit.MILLISECONDS);
		}
	}

	/** Stops the loop after a final upload of everything the shadow WAL holds. */
	void stop() {
		ScheduledExecutorService running;
		synchronized (this) {
			running = executor;
			executor = null;
			scheduledSync = null;
		}
		if (running == null) {
			return;
		}
		running.shutdown();
		try {
			running.awaitTermination(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			sync();
		}
		catch (RuntimeException ex) {
			log.warn("final sync error db={} replica={} error=\"{}\"", db.path(), name(), ex.getMessage());
		}
		ReplicaLease current;
		synchronized (leaseLock) {
			current = lease;
		}
		if (current != null) {
			synchronized (syncLock) {
				current.release();
			}
		}
	}

	/** Called by the db after new frames reached the shadow WAL: upload now, or once sync-interval allows. */
	synchronized void notifyChange() {
		if (executor == null || (scheduledSync != null && !scheduledSync.isDone())) {
			return;
		}
		long wait = lastUploadStartNanos + options.syncInterval().toNanos() - System.nanoTime();
		if (consecutiveFailures > 0) {
			Instant heldUntil = leaseHeldUntil;
			// Another instance's lease: retry once it can have expired rather than on the backoff schedule.
			long retry = heldUntil != null
					? Math.min(Math.max(Duration.between(Instant.now(), heldUntil).toNanos(), 0) + 100_000_000L,
							MAX_BACKOFF.toNanos())
					: backoff().toNanos();
			wait = Math.max(wait, retry);
		}
		scheduledSync = executor.schedule(this::loopSync, Math.max(0, wait), TimeUnit.NANOSECONDS);
	}

	/** Whether a change now would be uploaded at once: sync-interval has passed since the last upload. */
	synchronized boolean readyToUpload() {
		return executor != null && consecutiveFailures == 0 && (scheduledSync == null || scheduledSync.isDone())
				&& System.nanoTime() - lastUploadStartNanos >= options.syncInterval().toNanos();
	}

	private void loopSync() {
		try {
			db.syncIfChanged();
		}
		catch (RuntimeException ex) {
			// the db's monitor reports its own sync errors; upload what the shadow WAL has
		}
		try {
			sync();
		}
		catch (RuntimeException ex) {
			// recorded by sync(); the retry is scheduled below
		}
		synchronized (this) {
			scheduledSync = null;
			Pos target = db.pos();
			if (executor != null && (consecutiveFailures > 0 || (target != null && !target.equals(pos)))) {
				notifyChange();
			}
		}
	}

	private void loopSnapshot() {
		try {
			snapshot();
		}
		catch (RuntimeException ex) {
			log.warn("snapshotter error db={} replica={} error=\"{}\"", db.path(), name(), ex.getMessage());
		}
	}

	private void loopRetention() {
		try {
			enforceRetention();
		}
		catch (RuntimeException | IOException ex) {
			log.warn("retainer error db={} replica={} error=\"{}\"", db.path(), name(), ex.getMessage());
		}
	}

	/** Syncs until this replica holds everything the db had when called, or the deadline passes. */
	void syncUntilCaughtUp(long deadlineNanos) {
		Pos target = db.pos();
		while (true) {
			sync();
			Pos now = pos;
			if (target == null || (now != null && now.generation().equals(target.generation())
					&& now.compareTo(target) >= 0) || (now != null && !now.generation().equals(target.generation())
							&& now.generation().equals(db.generation()))) {
				return;
			}
			if (System.nanoTime() > deadlineNanos) {
				throw new ReplicationException("replica " + name() + " of db " + db.path() + " did not reach " + target
						+ " in time (at " + now + ")");
			}
		}
	}

	// --- sync -------------------------------------------------------------------------------------

	/** Uploads everything the shadow WAL holds beyond this replica's position. */
	public void sync() {
		synchronized (syncLock) {
			try {
				syncLocked();
				consecutiveFailures = 0;
				failingSince = null;
				lastSuccessAt = Instant.now();
			}
			catch (IOException | RuntimeException ex) {
				pos = null; // recalculated from the replica next time, so nothing is skipped
				consecutiveFailures++;
				errorCount.incrementAndGet();
				lastErrorAt = Instant.now();
				if (failingSince == null) {
					failingSince = lastErrorAt;
				}
				lastError = ex.getMessage();
				if (consecutiveFailures == 1 || consecutiveFailures % 10 == 0) {
					log.warn("replica sync error db={} replica={} ({}) failures={} error=\"{}\"", db.path(), name(),
							client.describe(), consecutiveFailures, ex.getMessage());
				}
				throw ex instanceof ReplicationException re ? re
						: new ReplicationException("replica " + name() + " of db " + db.path() + " (" + client.describe()
								+ "): " + ex.getMessage(), ex);
			}
		}
		db.afterReplicaProgress();
	}

	private void syncLocked() throws IOException {
		Pos target = db.pos();
		if (target == null) {
			return;
		}
		synchronized (this) {
			lastUploadStartNanos = System.nanoTime();
		}
		if (pos == null || !pos.generation().equals(target.generation())) {
			Pos remote = pos == null ? calcPos(target.generation()) : null;
			if (remote == null || remote.compareTo(target) > 0) {
				remote = writeSnapshot();
			}
			pos = remote;
		}
		// Up to what the shadow held when this sync began: commits arriving meanwhile wait for the next
		// sync, so uploads stay one per sync-interval.
		target = db.pos();
		while (true) {
			if (!pos.generation().equals(target.generation())) {
				return; // a new generation began meanwhile; the next sync starts it with a snapshot
			}
			long end = pos.index() == target.index() ? target.offset()
					: db.shadow().size(pos.generation(), pos.index());
			if (end < 0) {
				throw new ReplicationException("shadow wal " + Generations.hex8(pos.index()) + " of generation "
						+ pos.generation() + " is gone (db " + db.path() + ")");
			}
			if (end > pos.offset()) {
				uploadSegment(pos, end);
				pos = pos.withOffset(end);
			}
			else if (pos.index() < target.index()) {
				pos = new Pos(pos.generation(), pos.index() + 1, 0);
			}
			else {
				return;
			}
		}
	}

	private void uploadSegment(Pos from, long end) throws IOException {
		ensureLease();
		long started = System.nanoTime();
		Path file = db.shadow().file(from.generation(), from.index());
		try (Spool spool = new Spool(db.shadow().dir().resolve("tmp"))) {
			try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
					InputStream in = limited(Channels.newInputStream(channel.position(from.offset())),
							end - from.offset());
					OutputStream out = Lz4.compressing(spool.output())) {
				in.transferTo(out);
			}
			client.writeWalSegment(from, spool);
			uploadedBytes.addAndGet(spool.length());
		}
		log.debug("wal segment written db={} replica={} position={} elapsed={}ms sz={}", db.path(), name(), from,
				(System.nanoTime() - started) / 1_000_000, end - from.offset());
	}

	private static InputStream limited(InputStream in, long limit) {
		return new InputStream() {
			private long remaining = limit;

			@Override
			public int read() throws IOException {
				if (remaining <= 0) {
					return -1;
				}
				int b = in.read();
				if (b >= 0) {
					remaining--;
				}
				return b;
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				if (remaining <= 0) {
					return -1;
				}
				int n = in.read(b, off, (int) Math.min(len, remaining));
				if (n > 0) {
					remaining -= n;
				}
				else if (n < 0) {
					throw new IOException("shadow wal shorter than expected");
				}
				return n;
			}
		};
	}

	/**
	 * Where this replica stands in a generation, from its objects: the newest snapshot's index, then the
	 * end of the last WAL segment at or above it. Null when the generation has no snapshot there.
	 */
	private Pos calcPos(String generation) throws IOException {
		List<SnapshotInfo> snapshots = client.snapshots(generation);
		if (snapshots.isEmpty()) {
			return null;
		}
		long snapshotIndex = snapshots.stream().mapToLong(SnapshotInfo::index).max().orElseThrow();
		List<WalSegmentInfo> segments = new ArrayList<>(client.walSegments(generation));
		segments.removeIf(s -> s.index() < snapshotIndex);
		if (segments.isEmpty()) {
			return new Pos(generation, snapshotIndex, 0);
		}
		WalSegmentInfo last = segments.stream()
			.max(Comparator.comparingLong(WalSegmentInfo::index).thenComparingLong(WalSegmentInfo::offset))
			.orElseThrow();
		long length;
		try (InputStream in = Lz4.decompressing(client.openWalSegment(last.pos()))) {
			length = in.transferTo(OutputStream.nullOutputStream());
		}
		return new Pos(generation, last.index(), last.offset() + length);
	}

	// --- snapshots and retention ----------------------------------------------------------------

	/** Writes a snapshot of the database now. */
	public void snapshot() {
		synchronized (syncLock) {
			try {
				Pos at = writeSnapshot();
				if (pos == null || !pos.generation().equals(at.generation())) {
					pos = at;
				}
			}
			catch (IOException ex) {
				throw new ReplicationException("snapshot of db " + db.path() + " to replica " + name() + " ("
						+ client.describe() + ") failed: " + ex.getMessage(), ex);
			}
		}
	}

	private Pos writeSnapshot() throws IOException {
		ensureLease();
		long started = System.nanoTime();
		try (Spool spool = new Spool(db.shadow().dir().resolve("tmp"))) {
			DB.SnapshotPosition at;
			try (OutputStream out = Lz4.compressing(spool.output())) {
				at = db.snapshotTo(out);
			}
			client.writeSnapshot(at.generation(), at.index(), spool);
			uploadedBytes.addAndGet(spool.length());
			snapshotCount.incrementAndGet();
			newestSnapshotAt = Instant.now();
			log.info("snapshot written db={} replica={} position={} elapsed={}ms sz={}", db.path(), name(),
					new Pos(at.generation(), at.index(), 0), (System.nanoTime() - started) / 1_000_000,
					spool.length());
			return new Pos(at.generation(), at.index(), 0);
		}
	}

	/**
	 * Litestream's retention: keep snapshots younger than retention (taking one now if none is), delete
	 * generations with no kept snapshot (never the current one), and in the others what lies below the
	 * oldest kept snapshot.
	 */
	public void enforceRetention() throws IOException {
		synchronized (syncLock) {
			try {
				// Deleting needs the lease: never remove a generation another instance is writing.
				ensureLease();
			}
			catch (LeaseHeldException ex) {
				log.info("retention skipped db={} replica={}: {}", db.path(), name(), ex.getMessage());
				return;
			}
			Instant cutoff = Instant.now().minus(options.retention());
			List<SnapshotInfo> all = new ArrayList<>();
			List<String> generations = client.generations();
			for (String generation : generations) {
				all.addAll(client.snapshots(generation));
			}
			if (all.stream().noneMatch(s -> !s.createdAt().isBefore(cutoff))) {
				Pos at = writeSnapshot();
				all.add(new SnapshotInfo(at.generation(), at.index(), 0, Instant.now()));
				if (!generations.contains(at.generation())) {
					generations = new ArrayList<>(generations);
					generations.add(at.generation());
				}
			}
			String current = db.generation();
			for (String generation : generations) {
				long lowestKept = all.stream()
					.filter(s -> s.generation().equals(generation) && !s.createdAt().isBefore(cutoff))
					.mapToLong(SnapshotInfo::index)
					.min()
					.orElse(-1);
				if (lowestKept < 0) {
					if (!generation.equals(current)) {
						client.deleteGeneration(generation);
						log.info("generation deleted db={} replica={} generation={}", db.path(), name(), generation);
					}
					continue;
				}
				for (SnapshotInfo snapshot : client.snapshots(generation)) {
					if (snapshot.index() < lowestKept) {
						client.deleteSnapshot(generation, snapshot.index());
					}
				}
				List<Pos> oldSegments = client.walSegments(generation)
					.stream()
					.filter(s -> s.index() < lowestKept)
					.map(WalSegmentInfo::pos)
					.toList();
				if (!oldSegments.isEmpty()) {
					client.deleteWalSegments(oldSegments);
					log.info("wal segments deleted before db={} replica={} generation={} index={} n={}", db.path(),
							name(), generation, Generations.hex8(lowestKept), oldSegments.size());
				}
			}
		}
	}

	private Duration backoff() {
		long seconds = 1L << Math.min(consecutiveFailures - 1, 5);
		Duration backoff = Duration.ofSeconds(seconds);
		return backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
	}

	private static Duration min(Duration a, Duration b) {
		return a.compareTo(b) <= 0 ? a : b;
	}

	static Thread daemon(Runnable runnable, String name) {
		Thread thread = new Thread(runnable, name);
		thread.setDaemon(true);
		return thread;
	}

	@Override
	public String toString() {
		return "Replica[" + name() + " of " + db.path() + " at " + client.describe() + "]";
	}

}
